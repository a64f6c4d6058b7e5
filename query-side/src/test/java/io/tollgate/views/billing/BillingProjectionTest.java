package io.tollgate.views.billing;

import io.tollgate.events.AccountClosed;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.CreditsGranted;
import io.tollgate.events.GrantSource;
import io.tollgate.events.LeaseSettled;
import io.tollgate.events.ReleaseReason;
import io.tollgate.events.ReservationReleased;
import io.tollgate.events.TollgateEvent;
import io.tollgate.events.support.EventIds;
import io.tollgate.views.billing.BillingProjection.Account;
import io.tollgate.views.billing.BillingProjection.Lease;
import io.tollgate.views.billing.BillingProjection.Line;
import io.tollgate.views.billing.BillingProjection.Result;
import io.tollgate.views.billing.BillingProjection.Stored;
import io.tollgate.views.testing.AccountEvents;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

/**
 * Billing as a fold, without a broker or a database: given the stored rows of the accounts and leases a batch
 * touches and the batch's events, the lines, accounts and leases it writes. The broker-backed tests
 * (BillingViewsTest, CreditLeaseViewsTest, ReplayAndSwapTest) hold the SQL and the delivery guarantees.
 */
class BillingProjectionTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final String LEASE = "lease-1";

    private final AccountEvents acme = new AccountEvents("acct-acme").at(T0);

    private static Result fold(BillingProjection projection, Stored stored, TollgateEvent... events) {
        projection.begin();
        for (TollgateEvent event : events) {
            projection.apply(event);
        }
        return projection.fold(stored);
    }

    private static Result fold(Stored stored, TollgateEvent... events) {
        return fold(BillingProjection.live(), stored, events);
    }

    private static Stored stored(Account account, Lease... leases) {
        Map<String, Lease> byId = new java.util.LinkedHashMap<>();
        for (Lease lease : leases) {
            byId.put(lease.leaseId(), lease);
        }
        return new Stored(Map.of(account.accountId(), account), byId);
    }

    /** An account with 10 credits granted in 3 earlier lines and 2 debited. */
    private static Account storedAccount() {
        return new Account("acct-acme", "Acme", T0.minusSeconds(3600), null, 10_000_000, 2_000_000, 0, 0, 0, 0, 0, 3,
                T0.minusSeconds(60), 0, 0);
    }

    @Test
    void theRunningBalanceOfEveryLineContinuesFromTheStoredAccountAcrossGrantsDebitsRefundsExpiriesAndAdjustments() {
        Result result = fold(stored(storedAccount()),
                acme.granted("grant-2", 5_000_000),
                acme.debited("req-1", 1_250_000),
                acme.refunded("req-1", 250_000),
                acme.expired("grant-1", 3_000_000),
                acme.adjusted(-500_000, "goodwill reversed"),
                acme.adjusted(100_000, "rounding"));

        assertThat(result.lines()).extracting(Line::lineNo, Line::kind, Line::amount, Line::balance)
                .containsExactly(
                        tuple(4L, "grant", 5_000_000L, 13_000_000L),
                        tuple(5L, "debit", -1_250_000L, 11_750_000L),
                        tuple(6L, "refund", 250_000L, 12_000_000L),
                        tuple(7L, "expiry", -3_000_000L, 9_000_000L),
                        tuple(8L, "adjustment", -500_000L, 8_500_000L),
                        tuple(9L, "adjustment", 100_000L, 8_600_000L));
        assertThat(result.accounts()).singleElement().satisfies(account -> {
            assertThat(account.granted()).isEqualTo(15_000_000);
            assertThat(account.debited()).isEqualTo(3_250_000);
            assertThat(account.refunded()).isEqualTo(250_000);
            assertThat(account.expired()).isEqualTo(3_000_000);
            assertThat(account.adjusted()).isEqualTo(-400_000);
            assertThat(account.balance()).isEqualTo(8_600_000);
            assertThat(account.lines()).isEqualTo(9);
            assertThat(account.lastEventAt()).isEqualTo(acme.lastOccurredAt());
            assertThat(account.openedAt()).isEqualTo(T0.minusSeconds(3600));
        });
        assertThat(result.leases()).isEmpty();
    }

    @Test
    void linesCarryWhatTheStatementsShowAndAnAccountWithoutARowStartsFromNothing() {
        Instant expires = Instant.parse("2027-01-01T00:00:00Z");
        CreditsGranted promotion = new CreditsGranted(EventIds.next(), T0, "acct-new", "grant-p", 1_000_000,
                GrantSource.PROMOTION, expires, "admin");
        CreditsGranted purchase = new CreditsGranted(EventIds.next(), T0.plusMillis(1), "acct-new", "grant-b", 2_000_000,
                GrantSource.PURCHASE, null, "stripe", "pi_123");
        CreditsDebited debit = new CreditsDebited(EventIds.next(), T0.plusMillis(2), "acct-new", "req-9", 300_000,
                "openai", "gpt-4o", LEASE);
        AccountEvents fresh = new AccountEvents("acct-new").at(T0.minusSeconds(1));

        Result result = fold(Stored.NOTHING, fresh.opened("Fresh"), promotion, purchase, debit,
                fresh.refunded("req-9", 100_000));

        assertThat(result.lines()).extracting(Line::kind, Line::note, Line::source, Line::reference, Line::grantId,
                        Line::requestId, Line::provider, Line::model, Line::leaseId, Line::eventId)
                .containsExactly(
                        tuple("grant", "promotion, expires " + expires, "PROMOTION", null, "grant-p", null, null, null,
                                null, promotion.eventId()),
                        tuple("grant", "purchase", "PURCHASE", "pi_123", "grant-b", null, null, null, null,
                                purchase.eventId()),
                        tuple("debit", null, null, null, null, "req-9", "openai", "gpt-4o", LEASE, debit.eventId()),
                        tuple("refund", "bad answer", null, null, null, "req-9", null, null, null,
                                result.lines().get(3).eventId()));
        assertThat(result.lines()).extracting(Line::lineNo).containsExactly(1L, 2L, 3L, 4L);
        assertThat(result.accounts()).singleElement().satisfies(account -> {
            assertThat(account.displayName()).isEqualTo("Fresh");
            assertThat(account.openedAt()).isEqualTo(T0.minusSeconds(1));
            assertThat(account.balance()).isEqualTo(2_800_000);
        });
    }

    @Test
    void anAccountKeepsItsFirstOpeningAndRecordsItsClosing() {
        Instant closedAt = T0.plusSeconds(30);
        Result result = fold(stored(storedAccount()), acme.opened("Acme Renamed"),
                new AccountClosed(EventIds.next(), closedAt, "acct-acme", "moved on", "test-admin"));

        assertThat(result.lines()).isEmpty();
        assertThat(result.accounts()).singleElement().satisfies(account -> {
            assertThat(account.displayName()).isEqualTo("Acme Renamed");
            assertThat(account.openedAt()).isEqualTo(T0.minusSeconds(3600));
            assertThat(account.closedAt()).isEqualTo(closedAt);
            assertThat(account.lines()).isEqualTo(3);
        });
    }

    @Test
    void reservationsHoldCreditUntilReleasedAndAReleaseOnALeaseHoldsNothingOfItsOwn() {
        Result result = fold(stored(storedAccount()),
                acme.reserved("req-1", 400_000),
                acme.reserved("req-2", 600_000),
                acme.released("req-1", 400_000, ReleaseReason.SETTLED),
                new ReservationReleased(EventIds.next(), T0.plusSeconds(1), "acct-acme", "req-3", 900_000,
                        ReleaseReason.PROVIDER_FAILED, LEASE));

        assertThat(result.lines()).isEmpty();
        assertThat(result.accounts()).singleElement().satisfies(account -> {
            assertThat(account.reserved()).isEqualTo(600_000);
            assertThat(account.openReservations()).isEqualTo(1);
            assertThat(account.balance()).isEqualTo(8_000_000);
        });
    }

    @Test
    void aLeaseHoldsItsAmountLessWhatItsRequestsWereDebitedAndSettlingFreesTheRestWithoutASecondDebit() {
        List<TollgateEvent> batch = new java.util.ArrayList<>();
        batch.add(acme.leaseGranted(LEASE, 3_000_000));
        batch.addAll(acme.succeededOnLease(LEASE, "req-1", 90_000, 40_000));
        batch.addAll(acme.failedOnLease(LEASE, "req-2", 90_000));
        Result granted = fold(stored(storedAccount()), batch.toArray(TollgateEvent[]::new));

        assertThat(granted.leases()).singleElement().satisfies(lease -> {
            assertThat(lease.status()).isEqualTo("open");
            assertThat(lease.accountId()).isEqualTo("acct-acme");
            assertThat(lease.instanceId()).isEqualTo("gw-test");
            assertThat(lease.amount()).isEqualTo(3_000_000);
            assertThat(lease.debited()).isEqualTo(40_000);
            assertThat(lease.requests()).isEqualTo(1);
        });
        Account afterGrant = granted.accounts().iterator().next();
        assertThat(afterGrant.leaseHold()).isEqualTo(2_960_000);
        assertThat(afterGrant.openLeases()).isEqualTo(1);
        assertThat(afterGrant.reserved()).isZero();
        assertThat(afterGrant.debited()).isEqualTo(2_040_000);
        assertThat(granted.lines()).extracting(Line::kind, Line::leaseId).containsExactly(tuple("debit", LEASE));

        // The next batch starts from what the first one wrote.
        Lease stored = granted.leases().iterator().next();
        Instant expiresBefore = stored.expiresAt();
        Result settled = fold(stored(afterGrant, stored), acme.leaseExtended(LEASE),
                acme.leaseSettled(LEASE, 3_000_000, 40_000, 1, LeaseSettled.LeaseEnd.RETURNED));

        assertThat(settled.lines()).isEmpty();
        assertThat(settled.leases()).singleElement().satisfies(lease -> {
            assertThat(lease.status()).isEqualTo("returned");
            assertThat(lease.expiresAt()).isAfter(expiresBefore);
            assertThat(lease.settledAt()).isEqualTo(acme.lastOccurredAt());
            assertThat(lease.settledDebited()).isEqualTo(40_000);
            assertThat(lease.settledRequests()).isEqualTo(1);
        });
        Account afterSettle = settled.accounts().iterator().next();
        assertThat(afterSettle.leaseHold()).isZero();
        assertThat(afterSettle.openLeases()).isZero();
        assertThat(afterSettle.debited()).isEqualTo(2_040_000);
    }

    @Test
    void requestsThatOvertakeTheirLeaseLeaveItPendingHoldingNothingAndALeaseNeverHoldsBelowZero() {
        Result early = fold(stored(storedAccount()),
                acme.succeededOnLease(LEASE, "req-1", 90_000, 60_000).toArray(TollgateEvent[]::new));
        assertThat(early.leases()).singleElement().satisfies(lease -> {
            assertThat(lease.status()).isEqualTo("pending");
            assertThat(lease.debited()).isEqualTo(60_000);
            assertThat(lease.instanceId()).isNull();
        });
        Account account = early.accounts().iterator().next();
        assertThat(account.leaseHold()).isZero();
        assertThat(account.openLeases()).isZero();

        Result granted = fold(stored(account, early.leases().iterator().next()), acme.leaseGranted(LEASE, 50_000));
        assertThat(granted.leases()).singleElement().extracting(Lease::status).isEqualTo("open");
        assertThat(granted.accounts().iterator().next().leaseHold()).isZero();
        assertThat(granted.accounts().iterator().next().openLeases()).isEqualTo(1);

        Result expired = fold(stored(granted.accounts().iterator().next(), granted.leases().iterator().next()),
                acme.leaseSettled(LEASE, 50_000, 60_000, 1, LeaseSettled.LeaseEnd.EXPIRED));
        assertThat(expired.leases()).singleElement().extracting(Lease::status).isEqualTo("expired");
        assertThat(expired.accounts().iterator().next().openLeases()).isZero();
    }

    @Test
    void aSettlementOfALeaseNeverSeenGrantedTakesItsAmountFromTheSettlement() {
        Result result = fold(stored(storedAccount()),
                acme.leaseSettled(LEASE, 700_000, 0, 0, LeaseSettled.LeaseEnd.RETURNED));
        assertThat(result.leases()).singleElement().satisfies(lease -> {
            assertThat(lease.status()).isEqualTo("returned");
            assertThat(lease.amount()).isEqualTo(700_000);
        });
        assertThat(result.accounts().iterator().next().openLeases()).isZero();
    }

    @Test
    void liveItReadsEachTouchedAccountAndLeaseOnceAndABatchWithoutCreditMovementsReadsNothing() {
        BillingProjection projection = BillingProjection.live();
        projection.begin();
        for (TollgateEvent event : List.of(acme.granted(1), acme.leaseGranted(LEASE, 5), acme.debited("req-1", 1),
                new AccountEvents("acct-other").granted(1), acme.leaseExtended(LEASE))) {
            projection.apply(event);
        }
        assertThat(projection.accountsToLoad()).containsExactly("acct-acme", "acct-other");
        assertThat(projection.leasesToLoad()).containsExactly(LEASE);

        BillingProjection idle = BillingProjection.live();
        idle.begin();
        acme.succeededRequest("req-2", 10, 10, 1, 1, 5).stream()
                .filter(event -> !(event instanceof CreditsDebited) && !(event instanceof ReservationReleased)
                        && !(event instanceof io.tollgate.events.CreditsReserved))
                .forEach(idle::apply);
        assertThat(idle.hasWork()).isFalse();
    }

    @Test
    void whatPostgreSQLWouldRefuseIsRefusedBeforeAnythingIsFolded() {
        BillingProjection projection = BillingProjection.live();
        projection.begin();
        assertThatThrownBy(() -> projection.apply(new AccountEvents("acct-\0").granted(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> projection.apply(acme.leaseGranted("l".repeat(501), 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("501 characters");
        assertThat(projection.hasWork()).isFalse();
    }

    @Test
    void aRebuildHoldsAccountsAndLeasesAcrossBatchesAndARolledBackBatchLeavesNoTrace() {
        BillingProjection rebuild = BillingProjection.bulk();
        Result first = fold(rebuild, Stored.NOTHING, acme.opened("Acme"), acme.granted(10_000_000),
                acme.leaseGranted(LEASE, 1_000_000));
        assertThat(rebuild.accountsToLoad()).isEmpty();
        assertThat(rebuild.leasesToLoad()).isEmpty();
        assertThat(first.accounts()).isEmpty();
        assertThat(first.leases()).isEmpty();
        assertThat(first.lines()).extracting(Line::lineNo, Line::balance).containsExactly(tuple(1L, 10_000_000L));
        rebuild.committed();

        // Rolled back (say, to split it around a poisoned record): never committed.
        Result rolledBack = fold(rebuild, Stored.NOTHING, acme.debited("req-x", 9_000_000),
                acme.leaseSettled(LEASE, 1_000_000, 0, 0, LeaseSettled.LeaseEnd.RETURNED));
        assertThat(rolledBack.lines()).extracting(Line::lineNo).containsExactly(2L);

        Result retried = fold(rebuild, Stored.NOTHING, acme.debited("req-1", 2_000_000));
        assertThat(retried.lines()).extracting(Line::lineNo, Line::balance).containsExactly(tuple(2L, 8_000_000L));
        rebuild.committed();

        assertThat(rebuild.heldAccounts()).singleElement().satisfies(account -> {
            assertThat(account.displayName()).isEqualTo("Acme");
            assertThat(account.balance()).isEqualTo(8_000_000);
            assertThat(account.lines()).isEqualTo(2);
            assertThat(account.leaseHold()).isEqualTo(1_000_000);
            assertThat(account.openLeases()).isEqualTo(1);
        });
        assertThat(rebuild.heldLeases()).singleElement().extracting(Lease::status).isEqualTo("open");
    }
}
