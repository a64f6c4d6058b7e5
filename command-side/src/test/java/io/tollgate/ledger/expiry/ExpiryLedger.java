package io.tollgate.ledger.expiry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.CreditsExpired;
import io.tollgate.events.GrantSource;
import io.tollgate.events.ReservationReleased;
import io.tollgate.events.TollgateEvent;
import io.tollgate.ledger.api.Commands.GrantCredits;
import io.tollgate.ledger.api.Commands.OpenAccount;
import io.tollgate.ledger.api.Commands.ReserveCredits;
import io.tollgate.ledger.api.Commands.SettleRequest;
import io.tollgate.ledger.api.ModelRate;
import io.tollgate.ledger.api.ReservationOutcome;
import io.tollgate.ledger.api.SettlementOutcome;
import io.tollgate.ledger.api.TokenUsage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The expiry tests' view of a running command side: commands in, events and schedule rows out. */
final class ExpiryLedger {
    /** One micro-credit per token, so that a request's output tokens are its cost in micro-credits. */
    private static final ModelRate ONE_MICRO_PER_TOKEN = new ModelRate(1_000_000, 1_000_000);
    private static final ObjectMapper JSON = new ObjectMapper();

    final CommandGateway commands;
    final ExpirySweeper sweeper;
    final DataSource dataSource;
    private final JdbcClient jdbc;

    ExpiryLedger(ConfigurableApplicationContext context) {
        this.commands = context.getBean(CommandGateway.class);
        this.sweeper = context.getBean(ExpirySweeper.class);
        this.dataSource = context.getBean(DataSource.class);
        this.jdbc = JdbcClient.create(dataSource);
    }

    static String newId(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    /** A fresh account holding {@code micros} of credit that never expires. */
    String openAccountWith(long micros) {
        String account = openAccount();
        commands.sendAndWait(new GrantCredits(account, newId("g"), micros, GrantSource.ADMIN, null, "test"));
        return account;
    }

    String openAccount() {
        String account = newId("acct-expiry");
        commands.sendAndWait(new OpenAccount(account, "Expiry", "test"));
        return account;
    }

    /** Reserves exactly {@code micros}, or nothing: the request asks for that many output tokens and accepts no fewer. */
    ReservationOutcome reserve(String account, String requestId, long micros, Duration timeout) {
        int tokens = Math.toIntExact(micros);
        return commands.sendAndWait(new ReserveCredits(account, requestId, "key", "mock", "m", "openai.chat", false,
                0, tokens, tokens, tokens, ONE_MICRO_PER_TOKEN, timeout));
    }

    SettlementOutcome settle(String account, String requestId, long costMicros) {
        return commands.sendAndWait(new SettleRequest(account, requestId, "mock", "m",
                new TokenUsage(0, costMicros, 0, 0, false), List.of()));
    }

    Optional<Instant> scheduledDueAt(String account, ExpiringItem.Kind kind, String itemId) {
        return jdbc.sql("select due_at from ledger.expiry_schedule where account_id = ? and kind = ? and item_id = ?")
                .params(account, kind.columnValue, itemId)
                .query((row, number) -> row.getObject("due_at", OffsetDateTime.class).toInstant())
                .optional();
    }

    /** Writes an entry as the projection would, for entries the projection got wrong. */
    void putInSchedule(String account, ExpiringItem.Kind kind, String itemId, Instant dueAt) {
        jdbc.sql("""
                        insert into ledger.expiry_schedule (account_id, kind, item_id, due_at) values (?, ?, ?, ?)
                        on conflict (account_id, kind, item_id) do update set due_at = excluded.due_at""")
                .params(account, kind.columnValue, itemId, OffsetDateTime.ofInstant(dueAt, ZoneOffset.UTC))
                .update();
    }

    Instant awaitScheduled(String account, ExpiringItem.Kind kind, String itemId) {
        return await().atMost(Duration.ofMinutes(1))
                .until(() -> scheduledDueAt(account, kind, itemId), Optional::isPresent)
                .orElseThrow();
    }

    void awaitUnscheduled(String account, ExpiringItem.Kind kind, String itemId) {
        await().atMost(Duration.ofMinutes(1)).until(() -> scheduledDueAt(account, kind, itemId).isEmpty());
    }

    /**
     * Sweeps until a sweep of this instance handled due entries, or the condition holds already: a
     * test process sharing the database may be holding the sweep, or may have swept the entry itself.
     * The caller asserts the outcome after this, so that it is this instance's sweep that has to bring
     * it about (but for that race).
     */
    void sweepUntil(Callable<Boolean> condition) {
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                .until(() -> sweeper.sweepNow() > 0 || condition.call());
    }

    /** The reasons of the request's ReservationReleased events, in order. */
    List<String> releaseReasons(String account, String requestId) {
        return events(account, ReservationReleased.class).stream()
                .filter(event -> event.path("requestId").asText().equals(requestId))
                .map(event -> event.path("reason").asText())
                .toList();
    }

    List<Long> debits(String account, String requestId) {
        return events(account, CreditsDebited.class).stream()
                .filter(event -> event.path("requestId").asText().equals(requestId))
                .map(event -> event.path("amountMicros").asLong())
                .toList();
    }

    /** The account's CreditsExpired events, in order. */
    List<JsonNode> grantExpiries(String account) {
        return events(account, CreditsExpired.class);
    }

    /** The payloads of the account's events of one type, in the order the store holds them. */
    private List<JsonNode> events(String account, Class<? extends TollgateEvent> type) {
        return jdbc.sql("""
                        select convert_from(payload, 'UTF8') from ledger.domain_event_entry
                        where aggregate_identifier = ? and payload_type = ? order by sequence_number""")
                .params(account, type.getName())
                .query(String.class).list().stream()
                .map(ExpiryLedger::parse)
                .toList();
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void assertReserved(ReservationOutcome outcome) {
        assertThat(outcome).isInstanceOf(ReservationOutcome.Reserved.class);
    }
}
