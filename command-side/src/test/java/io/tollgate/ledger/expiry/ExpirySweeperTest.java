package io.tollgate.ledger.expiry;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.events.GrantSource;
import io.tollgate.ledger.api.Commands.GrantCredits;
import io.tollgate.ledger.api.ReservationOutcome;
import io.tollgate.ledger.testing.LedgerTestApplication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import static io.tollgate.ledger.expiry.ExpiringItem.Kind.GRANT;
import static io.tollgate.ledger.expiry.ExpiringItem.Kind.RESERVATION;
import static io.tollgate.ledger.expiry.ExpiryLedger.assertReserved;
import static io.tollgate.ledger.expiry.ExpiryLedger.newId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The expiry schedule and sweeper on the real database. The scheduled sweep is pushed an hour out, so
 * that every sweep here is one the test asked for.
 */
class ExpirySweeperTest {
    private static final long CREDIT = 100;
    /** Expired as soon as it is made; only a settlement or the sweep can end it. */
    private static final Duration ORPHANED = Duration.ofMillis(1);
    /** Long enough to look at a reservation before it expires. */
    private static final Duration SHORT = Duration.ofSeconds(1);
    private static final Duration AMPLE = Duration.ofMinutes(10);

    private static ConfigurableApplicationContext context;
    private static ExpiryLedger ledger;

    @BeforeAll
    static void start() {
        context = LedgerTestApplication.start("tollgate.ledger.expiry-test." + UUID.randomUUID(),
                "--tollgate.ledger.expiry.sweep-interval=1h");
        ledger = new ExpiryLedger(context);
        awaitScheduleCaughtUpWithTheStore();
    }

    /**
     * The schedule's processor starts from the beginning of the log the first time it runs against a
     * database; the tests' time limits assume it has caught up.
     */
    private static void awaitScheduleCaughtUpWithTheStore() {
        long started = System.nanoTime();
        String account = ledger.openAccountWith(CREDIT);
        String request = newId("req-warm-up");
        assertReserved(ledger.reserve(account, request, CREDIT, AMPLE));
        await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> ledger.scheduledDueAt(account, RESERVATION, request).isPresent());
        ledger.settle(account, request, 0); // leaves no orphan behind for later sweeps
        System.out.printf("expiry schedule caught up with the event store in %d ms%n",
                Duration.ofNanos(System.nanoTime() - started).toMillis());
    }

    @AfterAll
    static void stop() {
        if (context != null) {
            context.close();
        }
    }

    @Test
    void aReservationNeverSettledIsReleasedAsExpiredAndItsCreditIsAvailableAgain() {
        String account = ledger.openAccountWith(CREDIT);
        String orphan = newId("req-orphan");
        assertReserved(ledger.reserve(account, orphan, CREDIT, SHORT));
        Instant expiredBy = Instant.now().plus(SHORT);
        // Checked before the reservation expires, so that no sweep (another test process's included) can
        // have released it yet.
        assertThat(ledger.reserve(account, newId("req"), CREDIT, AMPLE))
                .as("the unsettled reservation holds the whole credit")
                .isInstanceOf(ReservationOutcome.Rejected.class);
        ledger.awaitScheduled(account, RESERVATION, orphan);
        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(expiredBy));

        ledger.sweepUntil(() -> !ledger.releaseReasons(account, orphan).isEmpty());

        assertThat(ledger.releaseReasons(account, orphan)).containsExactly("EXPIRED");
        ledger.awaitUnscheduled(account, RESERVATION, orphan);
        assertReserved(ledger.reserve(account, newId("req"), CREDIT, AMPLE));
    }

    @Test
    void aReservationSettledBeforeTheSweepIsNotReleasedByIt() {
        String account = ledger.openAccountWith(CREDIT);
        String request = newId("req-settled");
        assertReserved(ledger.reserve(account, request, CREDIT, ORPHANED));
        ledger.awaitScheduled(account, RESERVATION, request);

        assertThat(ledger.settle(account, request, 30).debitedMicros()).isEqualTo(30);
        ledger.awaitUnscheduled(account, RESERVATION, request);
        ledger.sweeper.sweepNow();

        assertThat(ledger.releaseReasons(account, request)).containsExactly("SETTLED");
        assertThat(ledger.debits(account, request)).containsExactly(30L);
        assertReserved(ledger.reserve(account, newId("req"), CREDIT - 30, AMPLE));
    }

    @Test
    void aSettlementArrivingAfterTheSweepStillDebitsTheRequest() {
        String account = ledger.openAccountWith(CREDIT);
        String late = newId("req-late");
        assertReserved(ledger.reserve(account, late, CREDIT, ORPHANED));
        ledger.awaitScheduled(account, RESERVATION, late);
        ledger.sweepUntil(() -> ledger.releaseReasons(account, late).contains("EXPIRED"));
        assertThat(ledger.releaseReasons(account, late)).containsExactly("EXPIRED");

        assertThat(ledger.settle(account, late, 40).debitedMicros()).isEqualTo(40);

        assertThat(ledger.debits(account, late)).containsExactly(40L);
        assertThat(ledger.releaseReasons(account, late)).as("the late settlement releases nothing more")
                .containsExactly("EXPIRED");
    }

    @Test
    void aGrantPastItsExpiryGivesUpItsUnusedRemainder() {
        String account = ledger.openAccount();
        Instant expiresAt = Instant.now().plusSeconds(3);
        ledger.commands.sendAndWait(new GrantCredits(account, "g-expiring", 1_000, GrantSource.PROMOTION, expiresAt, "test"));
        String request = newId("req");
        assertReserved(ledger.reserve(account, request, 300, AMPLE));
        assertThat(ledger.settle(account, request, 300).debitedMicros()).isEqualTo(300);

        Instant dueAt = ledger.awaitScheduled(account, GRANT, "g-expiring");
        assertThat(dueAt).as("due at its expiry, to the microsecond the column keeps, never before it")
                .isBetween(expiresAt, expiresAt.plus(1, ChronoUnit.MICROS));

        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(expiresAt));
        ledger.sweepUntil(() -> !ledger.grantExpiries(account).isEmpty());

        List<JsonNode> expiries = ledger.grantExpiries(account);
        assertThat(expiries).hasSize(1);
        assertThat(expiries.getFirst().path("grantId").asText()).isEqualTo("g-expiring");
        assertThat(expiries.getFirst().path("amountMicros").asLong()).isEqualTo(700);
        ledger.awaitUnscheduled(account, GRANT, "g-expiring");
    }

    @Test
    void aGrantSpentBeforeItsExpiryLeavesTheScheduleWithoutAnExpiry() {
        String account = ledger.openAccount();
        Instant expiresAt = Instant.now().plusSeconds(2);
        ledger.commands.sendAndWait(new GrantCredits(account, "g-spent", 300, GrantSource.PROMOTION, expiresAt, "test"));
        String request = newId("req");
        assertReserved(ledger.reserve(account, request, 300, AMPLE));
        assertThat(ledger.settle(account, request, 300).debitedMicros()).isEqualTo(300);
        ledger.awaitScheduled(account, GRANT, "g-spent");

        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(expiresAt));
        ledger.sweepUntil(() -> ledger.scheduledDueAt(account, GRANT, "g-spent").isEmpty());

        assertThat(ledger.scheduledDueAt(account, GRANT, "g-spent")).isEmpty();

        assertThat(ledger.grantExpiries(account)).as("there was nothing left to expire").isEmpty();
    }

    @Test
    void anEntryWhoseReleaseTheScheduleMissedIsDroppedOnceItIsClearlyStale() {
        String account = ledger.openAccountWith(CREDIT);
        String request = newId("req-settled");
        assertReserved(ledger.reserve(account, request, CREDIT, AMPLE));
        // Seen scheduled first: otherwise a lagging projection could handle both events after the entry is put
        // back below, and its delete would take that entry away.
        ledger.awaitScheduled(account, RESERVATION, request);
        assertThat(ledger.settle(account, request, 30).debitedMicros()).isEqualTo(30);
        ledger.awaitUnscheduled(account, RESERVATION, request);

        // As if the projection had missed the ReservationReleased: the entry is back, and due.
        ledger.putInSchedule(account, RESERVATION, request, Instant.now().minusSeconds(1));
        ledger.sweepUntil(() -> false);
        assertThat(ledger.scheduledDueAt(account, RESERVATION, request))
                .as("just due: the account may only be finding it not yet due by a clock that stepped back")
                .isPresent();

        ledger.putInSchedule(account, RESERVATION, request, Instant.now().minus(Duration.ofMinutes(2)));
        ledger.sweepUntil(() -> ledger.scheduledDueAt(account, RESERVATION, request).isEmpty());

        assertThat(ledger.scheduledDueAt(account, RESERVATION, request)).isEmpty();
        assertThat(ledger.releaseReasons(account, request)).containsExactly("SETTLED");
    }

    @Test
    void noSweepRunsWhileAnotherInstanceHoldsTheSweepLock() throws Exception {
        String account = ledger.openAccountWith(CREDIT);
        String orphan = newId("req-orphan");
        try (Connection otherInstance = ledger.dataSource.getConnection()) {
            otherInstance.setAutoCommit(false);
            // Another test process may be sweeping the shared database right now: wait for its turn to end.
            await().atMost(Duration.ofMinutes(1)).until(() -> tryLock(otherInstance));
            assertReserved(ledger.reserve(account, orphan, CREDIT, ORPHANED));
            ledger.awaitScheduled(account, RESERVATION, orphan);

            assertThat(ledger.sweeper.sweepNow()).isZero();
            assertThat(ledger.releaseReasons(account, orphan)).isEmpty();
            otherInstance.rollback();
        }

        ledger.sweepUntil(() -> !ledger.releaseReasons(account, orphan).isEmpty());
        assertThat(ledger.releaseReasons(account, orphan)).containsExactly("EXPIRED");
    }

    private static boolean tryLock(Connection connection) throws Exception {
        try (Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(SweepLock.TRY_LOCK)) {
            result.next();
            return result.getBoolean(1);
        }
    }
}
