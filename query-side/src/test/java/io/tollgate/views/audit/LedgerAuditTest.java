package io.tollgate.views.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.tollgate.events.TollgateEvent;
import io.tollgate.views.QuerySideTestBase;
import io.tollgate.views.cli.TollgateViewsCli;
import io.tollgate.views.testing.AccountEvents;
import io.tollgate.views.testing.ViewsHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tollgate audit} against an event store of its own (the shape of Axon's ledger.domain_event_entry,
 * payloads as Axon's Jackson serializer writes them) holding the same events the topic carries: a clean
 * view passes with exit code 0, a corrupted account row or a missing ledger line fails with exit code 1
 * and the difference printed.
 */
class LedgerAuditTest extends QuerySideTestBase {
    /** As Axon's JacksonSerializer writes payloads: the record's fields, ISO dates, no type information. */
    private static final ObjectMapper AXON_JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    @Autowired
    JdbcClient jdbc;

    private final String ledgerSchema = "audit_ledger_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    @BeforeEach
    void createEventStore() {
        jdbc.sql("create schema " + ledgerSchema).update();
        jdbc.sql("""
                create table %s.domain_event_entry (
                    global_index bigserial primary key, sequence_number bigint not null, meta_data bytea,
                    payload bytea not null, aggregate_identifier varchar(255) not null,
                    event_identifier varchar(255) not null unique, payload_revision varchar(255),
                    payload_type varchar(255) not null, time_stamp varchar(255) not null, type varchar(255),
                    unique (aggregate_identifier, sequence_number))""".formatted(ledgerSchema)).update();
    }

    @AfterEach
    void dropEventStore() {
        jdbc.sql("drop schema if exists " + ledgerSchema + " cascade").update();
    }

    @Test
    void theAuditPassesOnCleanViewsAndPrintsEveryDifferenceOfCorruptedOnes() throws Exception {
        var a = new AccountEvents(AccountEvents.newAccountId());
        var b = new AccountEvents(AccountEvents.newAccountId());
        List<TollgateEvent> events = new ArrayList<>();
        for (AccountEvents account : List.of(a, b)) {
            String refunded = AccountEvents.newRequestId();
            events.add(account.opened("Audited " + account.accountId()));
            events.add(account.granted("g1", 5_000_000));
            events.addAll(account.succeededRequest(AccountEvents.newRequestId(), 9_000, 100, 5, 5, 1_250));
            events.addAll(account.succeededRequest(refunded, 9_000, 100, 5, 5, 700));
            events.add(account.refunded(refunded, 700));
            events.addAll(account.failedRequest(AccountEvents.newRequestId(), 9_000));
            events.add(account.expired("g1", 10_000));
            events.add(account.adjusted(-3_000, "correction"));
            events.add(account.opened("Audited, done"));
        }
        store(events);
        ledger().publish(events);
        ViewsHttp views = views();
        eventually().untilAsserted(() -> {
            assertThat(views.balance(a.accountId()).displayName()).isEqualTo("Audited, done");
            assertThat(views.balance(b.accountId()).displayName()).isEqualTo("Audited, done");
        });

        Audit clean = audit(a.accountId(), b.accountId());
        assertThat(clean.exitCode()).as(clean.output()).isZero();
        assertThat(clean.output()).contains("audited 2 accounts").contains("no differences");

        // A wrong total in the account row.
        jdbc.sql("update views.accounts set debited_micros = debited_micros + 1 where account_id = ?").param(a.accountId()).update();
        try {
            Audit corrupted = audit(a.accountId(), b.accountId());
            assertThat(corrupted.exitCode()).isEqualTo(1);
            assertThat(corrupted.output())
                    .contains("account " + a.accountId() + ": debited differs in views.accounts: event store 0.001950, views 0.001951")
                    .contains("account " + a.accountId() + ": balance differs in views.accounts")
                    .doesNotContain("account " + b.accountId() + ":")
                    .contains("2 difference(s)");
        } finally {
            jdbc.sql("update views.accounts set debited_micros = debited_micros - 1 where account_id = ?").param(a.accountId()).update();
        }

        // A ledger line gone missing.
        jdbc.sql("create table %s.saved as select * from views.ledger_lines where account_id = ? and kind = 'grant'"
                .formatted(ledgerSchema)).param(b.accountId()).update();
        jdbc.sql("delete from views.ledger_lines where account_id = ? and kind = 'grant'").param(b.accountId()).update();
        try {
            Audit missingLine = audit(a.accountId(), b.accountId());
            assertThat(missingLine.exitCode()).isEqualTo(1);
            assertThat(missingLine.output())
                    .contains("account " + b.accountId() + ": granted differs in views.ledger_lines: event store 5.000000, views 0.000000")
                    .doesNotContain("account " + a.accountId() + ":");
        } finally {
            jdbc.sql("insert into views.ledger_lines select * from %s.saved".formatted(ledgerSchema)).update();
        }

        assertThat(audit(a.accountId(), b.accountId()).exitCode()).isZero();
    }

    /** Appends the events as the command side's event store holds them. */
    private void store(List<TollgateEvent> events) throws Exception {
        java.util.Map<String, Long> sequence = new java.util.HashMap<>();
        for (TollgateEvent event : events) {
            long next = sequence.merge(event.accountId(), 1L, Long::sum) - 1;
            jdbc.sql("""
                            insert into %s.domain_event_entry (sequence_number, payload, aggregate_identifier,
                                event_identifier, payload_type, time_stamp, type) values (?, ?, ?, ?, ?, ?, 'CreditAccount')"""
                            .formatted(ledgerSchema))
                    .params(next, AXON_JSON.writeValueAsBytes(event), event.accountId(), event.eventId().toString(),
                            event.getClass().getName(), event.occurredAt().toString())
                    .update();
        }
    }

    private record Audit(int exitCode, String output) {
    }

    private Audit audit(String... accounts) {
        List<String> args = new ArrayList<>(List.of("audit", "--db-url", testDatabaseUrl(), "--ledger-schema", ledgerSchema));
        for (String account : accounts) {
            args.add("--account");
            args.add(account);
        }
        StringWriter out = new StringWriter();
        int code = new CommandLine(new TollgateViewsCli()).setOut(new PrintWriter(out)).execute(args.toArray(String[]::new));
        return new Audit(code, out.toString());
    }

    private static String testDatabaseUrl() {
        String url = System.getenv("TOLLGATE_TEST_DB_URL");
        return url == null || url.isBlank() ? "jdbc:postgresql://127.0.0.1:5432/tollgate_test" : url;
    }
}
