package io.tollgate.ledger.credits;

import io.tollgate.ledger.api.ReservationOutcome;
import io.tollgate.ledger.api.SettlementOutcome;
import io.tollgate.ledger.api.TokenUsage;
import io.tollgate.ledger.api.ModelRate;
import io.tollgate.events.GrantSource;
import io.tollgate.ledger.api.Commands.GrantCredits;
import io.tollgate.ledger.api.Commands.OpenAccount;
import io.tollgate.ledger.api.Commands.ReserveCredits;
import io.tollgate.ledger.api.Commands.SettleRequest;
import io.tollgate.ledger.testing.LedgerTestApplication;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import javax.sql.DataSource;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DESIGN.md I1 under real concurrency, on the real event store: however many requests race for an
 * account, exactly as many succeed as the credit pays for, and the balance never dips below zero at
 * any point of the ledger, with one instance and with two instances sharing the database.
 */
class CreditInvariantsTest {
    /** 10 input + 10 output tokens at 1 micro-credit each: every request reserves and costs exactly 20. */
    private static final ModelRate RATE = new ModelRate(1_000_000, 1_000_000);
    private static final long COST = 20;
    private static final int THREADS = 200;
    private static final int REQUESTS_PER_THREAD = 50;
    private static final int AFFORDABLE = 1_234;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String TOPIC = "tollgate.ledger.invariants-test." + UUID.randomUUID();
    private static ConfigurableApplicationContext first;
    private static ConfigurableApplicationContext second;

    @BeforeAll
    static void startTwoInstances() {
        // 200 callers race through sendAndWait on a shared, busy machine: this test is about the invariant, so
        // an answer may take longer than the 5 s an admin call is given.
        first = LedgerTestApplication.start(TOPIC, "--tollgate.ledger.commit.answer-timeout=2m");
        second = LedgerTestApplication.start(TOPIC, "--tollgate.ledger.commit.answer-timeout=2m");
    }

    @AfterAll
    static void stop() {
        if (second != null) {
            second.close();
        }
        if (first != null) {
            first.close();
        }
    }

    @Test
    void oneInstance_exactlyTheAffordableRequestsSucceed() throws Exception {
        String account = openAccountWithCredit(commands(first), AFFORDABLE * COST);

        int succeeded = race(account, List.of(commands(first)));

        assertThat(succeeded).isEqualTo(AFFORDABLE);
        assertLedgerNeverNegative(account, AFFORDABLE * COST);
    }

    @Test
    void twoInstancesSharingTheDatabase_exactlyTheAffordableRequestsSucceed() throws Exception {
        String account = openAccountWithCredit(commands(first), AFFORDABLE * COST);

        int succeeded = race(account, List.of(commands(first), commands(second)));

        assertThat(succeeded).isEqualTo(AFFORDABLE);
        assertLedgerNeverNegative(account, AFFORDABLE * COST);
    }

    /** THREADS × REQUESTS_PER_THREAD reserve-then-settle attempts, spread over the given instances. */
    private static int race(String account, List<CommandGateway> instances) throws Exception {
        var succeeded = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                CommandGateway gateway = instances.get(t % instances.size());
                work.add(pool.submit(() -> {
                    for (int r = 0; r < REQUESTS_PER_THREAD; r++) {
                        String requestId = "req-" + UUID.randomUUID();
                        ReservationOutcome outcome = gateway.sendAndWait(new ReserveCredits(account, requestId, "key",
                                "mock", "m", "openai.chat", false, 10, 10, 10, 10, RATE, Duration.ofMinutes(10)));
                        if (outcome instanceof ReservationOutcome.Reserved) {
                            SettlementOutcome settled = gateway.sendAndWait(new SettleRequest(account, requestId,
                                    "mock", "m", new TokenUsage(10, 10, 0, 0, false), List.of()));
                            assertThat(settled.debitedMicros()).isEqualTo(COST);
                            succeeded.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : work) {
                future.get();
            }
        } finally {
            pool.shutdown();
        }
        return succeeded.get();
    }

    private static String openAccountWithCredit(CommandGateway gateway, long micros) {
        String account = "acct-invariants-" + UUID.randomUUID();
        gateway.sendAndWait(new OpenAccount(account, "Invariants", "test"));
        gateway.sendAndWait(new GrantCredits(account, "grant-1", micros, GrantSource.ADMIN, null, "test"));
        return account;
    }

    /** Replays the account's stored events in order and checks balance and availability after each one. */
    private static void assertLedgerNeverNegative(String account, long granted) {
        JdbcClient jdbc = JdbcClient.create(first.getBean(DataSource.class));
        List<StoredEvent> events = jdbc.sql("""
                        select payload_type, payload from ledger.domain_event_entry
                        where aggregate_identifier = ? order by sequence_number""")
                .param(account)
                .query((rs, row) -> StoredEvent.of(rs.getString(1), rs.getBytes(2)))
                .list();
        long grantedSoFar = 0;
        long debited = 0;
        long held = 0;
        for (int i = 0; i < events.size(); i++) {
            StoredEvent event = events.get(i);
            switch (event.simpleType()) {
                case "CreditsGranted" -> grantedSoFar += event.amount();
                case "CreditsReserved" -> held += event.amount();
                case "ReservationReleased" -> held -= event.amount();
                case "CreditsDebited" -> debited += event.amount();
                default -> {
                }
            }
            assertThat(grantedSoFar - debited).as("balance after event %d", i).isNotNegative();
            // A command's events are appended together; availability is judged after the last one.
            boolean lastOfItsCommand = i == events.size() - 1 || !events.get(i + 1).requestId().equals(event.requestId());
            if (lastOfItsCommand) {
                assertThat(grantedSoFar - debited - held).as("available after event %d", i).isNotNegative();
            }
        }
        assertThat(grantedSoFar).isEqualTo(granted);
        assertThat(debited).isEqualTo(AFFORDABLE * COST).isEqualTo(granted - (grantedSoFar - debited));
        assertThat(held).isZero();
    }

    private record StoredEvent(String simpleType, long amount, String requestId) {
        static StoredEvent of(String payloadType, byte[] payload) {
            try {
                var json = JSON.readTree(payload);
                return new StoredEvent(payloadType.substring(payloadType.lastIndexOf('.') + 1),
                        json.path("amountMicros").asLong(), json.path("requestId").asText(""));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private static CommandGateway commands(ConfigurableApplicationContext instance) {
        return instance.getBean(CommandGateway.class);
    }
}
