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

    /**
     * Credit leases: the event store holds the account's facts (grant, leases, settlements); the requests'
     * debits are only on the topic. A settled lease whose requests add up, and an open lease whose requests
     * are debited in the views but not yet in the store's buckets, pass; a lease settled with a debit its
     * requests do not add up to, a corrupted lease row, and a debit on a lease never granted, each fail.
     */
    @Test
    void everySettledLeaseMustAddUpToItsRequestsAndOpenLeasesDebitsCountOnlyInTheViews() throws Exception {
        var good = new AccountEvents(AccountEvents.newAccountId());
        var bad = new AccountEvents(AccountEvents.newAccountId());
        String settled = "lease-" + UUID.randomUUID(), open = "lease-" + UUID.randomUUID();
        String wrong = "lease-" + UUID.randomUUID(), neverGranted = "lease-" + UUID.randomUUID();

        List<TollgateEvent> storeEvents = new ArrayList<>();
        List<TollgateEvent> topicOnly = new ArrayList<>();
        storeEvents.addAll(List.of(good.opened("Leases add up"), good.granted("g1", 5_000_000),
                good.leaseGranted(settled, 1_000_000), good.leaseGranted(open, 2_000_000)));
        topicOnly.addAll(good.succeededOnLease(settled, AccountEvents.newRequestId(), 90_000, 40_000));
        topicOnly.addAll(good.succeededOnLease(settled, AccountEvents.newRequestId(), 90_000, 35_000));
        topicOnly.addAll(good.failedOnLease(settled, AccountEvents.newRequestId(), 90_000));
        topicOnly.addAll(good.succeededOnLease(open, AccountEvents.newRequestId(), 90_000, 70_000));
        var settledEvent = good.leaseSettled(settled, 1_000_000, 75_000, 2, io.tollgate.events.LeaseSettled.LeaseEnd.RETURNED);
        var goodDone = good.opened("Leases add up, done");

        storeEvents.addAll(List.of(bad.opened("Leases do not add up"), bad.granted("g1", 5_000_000),
                bad.leaseGranted(wrong, 1_000_000)));
        topicOnly.addAll(bad.succeededOnLease(wrong, AccountEvents.newRequestId(), 90_000, 40_000));
        topicOnly.addAll(bad.succeededOnLease(neverGranted, AccountEvents.newRequestId(), 90_000, 15_000));
        // The instance claims 50,000 on 1 request; the topic has 40,000.
        var wrongSettled = bad.leaseSettled(wrong, 1_000_000, 50_000, 1, io.tollgate.events.LeaseSettled.LeaseEnd.EXPIRED);
        var badDone = bad.opened("Leases do not add up, done");

        store(storeEvents);
        store(List.of(settledEvent, goodDone, wrongSettled, badDone));
        ledger().publish(storeEvents);
        ledger().publish(topicOnly);
        ledger().publish(settledEvent, goodDone, wrongSettled, badDone);
        ViewsHttp views = views();
        eventually().untilAsserted(() -> {
            assertThat(views.balance(good.accountId()).displayName()).isEqualTo("Leases add up, done");
            assertThat(views.balance(bad.accountId()).displayName()).isEqualTo("Leases do not add up, done");
        });

        Audit clean = audit(good.accountId());
        assertThat(clean.exitCode()).as(clean.output()).isZero();
        assertThat(clean.output()).contains("no differences");
        assertThat(views.balance(good.accountId()).debited()).isEqualByComparingTo("0.145");
        assertThat(views.balance(good.accountId()).reserved()).isEqualByComparingTo("1.93");

        Audit wrongLease = audit(bad.accountId());
        assertThat(wrongLease.exitCode()).isEqualTo(1);
        assertThat(wrongLease.output())
                .contains("lease " + wrong + " (account " + bad.accountId() + "): settled debit differs from its requests:"
                        + " event store 0.050000 for 1 request(s), views' debits 0.040000 for 1 request(s) (-0.010000)")
                .contains("lease " + neverGranted + " (account " + bad.accountId() + "): 1 debit(s) of 0.015000")
                .contains("account " + bad.accountId() + ": debited differs in views.accounts: event store 0.050000, views 0.055000")
                .contains("account " + bad.accountId() + ": debited differs in views.ledger_lines");

        // A corrupted lease row.
        jdbc.sql("update views.leases set amount_micros = amount_micros + 1 where lease_id = ?").param(open).update();
        try {
            Audit corrupted = audit(good.accountId());
            assertThat(corrupted.exitCode()).isEqualTo(1);
            assertThat(corrupted.output()).contains("lease " + open + " (account " + good.accountId() + "): differs in views.leases");
        } finally {
            jdbc.sql("update views.leases set amount_micros = amount_micros - 1 where lease_id = ?").param(open).update();
        }
        assertThat(audit(good.accountId()).exitCode()).isZero();
    }

    @Test
    void deadLettersAreDifferencesWithTheirReasons() throws Exception {
        var account = new AccountEvents(AccountEvents.newAccountId());
        List<TollgateEvent> events = List.of(account.opened("Dead Letters Ltd"), account.granted("g1", 1_000_000));
        store(events);
        ledger().publish(events);
        ledger().sendRaw(account.accountId(), "{\"type\":\"CreditsTeleported\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        var done = account.opened("Dead Letters Ltd, done");
        store(List.of(done));
        ledger().publish(done);
        eventually().untilAsserted(() ->
                assertThat(views().balance(account.accountId()).displayName()).isEqualTo("Dead Letters Ltd, done"));

        Audit audit = audit(account.accountId());
        assertThat(audit.exitCode()).isEqualTo(1);
        assertThat(audit.output()).containsPattern("dead letter .*\\(key " + account.accountId()
                        + ", event .*\\): unreadable: .*CreditsTeleported")
                .contains("1 difference(s)");
    }

    /**
     * Events the command side's publisher (or expiry schedule) gave up on never reach the views: each is a
     * difference, whichever accounts are audited, since a dead letter need not say whose it is.
     */
    @Test
    void deadLettersOfTheCommandSideAreDifferencesWithTheirReasons() throws Exception {
        var account = new AccountEvents(AccountEvents.newAccountId());
        List<TollgateEvent> events = List.of(account.opened("Publisher Dead Letters Ltd"));
        store(events);
        ledger().publish(events);
        eventually().untilAsserted(() -> assertThat(views().balance(account.accountId()).displayName())
                .isEqualTo("Publisher Dead Letters Ltd"));
        assertThat(audit(account.accountId()).exitCode()).isZero();
        jdbc.sql("""
                create table %s.dead_letters (
                    id bigserial primary key, source text not null, event_id uuid, event_type text,
                    reason text not null, payload bytea, recorded_at timestamptz not null default now())"""
                .formatted(ledgerSchema)).update();
        UUID eventId = UUID.randomUUID();
        jdbc.sql("insert into %s.dead_letters (source, event_id, event_type, reason) values (?, ?, ?, ?)"
                        .formatted(ledgerSchema))
                .params("kafka-publisher", eventId, "LeaseGranted", "the broker will not take it: RecordTooLargeException")
                .update();

        Audit audit = audit(account.accountId());
        assertThat(audit.exitCode()).isEqualTo(1);
        assertThat(audit.output())
                .contains("dead letter in " + ledgerSchema + ".dead_letters (kafka-publisher, event " + eventId
                        + ", LeaseGranted): the broker will not take it: RecordTooLargeException")
                .contains("1 difference(s)");
    }

    /** Appends the events as the command side's event store holds them. */
    private final java.util.Map<String, Long> sequence = new java.util.HashMap<>();

    private void store(List<TollgateEvent> events) throws Exception {
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
