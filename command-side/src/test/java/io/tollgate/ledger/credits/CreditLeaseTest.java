package io.tollgate.ledger.credits;

import io.tollgate.ledger.api.LeaseOutcome;
import io.tollgate.events.AccountClosed;
import io.tollgate.events.AccountOpened;
import io.tollgate.events.CreditsExpired;
import io.tollgate.events.CreditsGranted;
import io.tollgate.events.support.EventIds;
import io.tollgate.events.GrantSource;
import io.tollgate.events.LeaseExtended;
import io.tollgate.events.LeaseGranted;
import io.tollgate.events.LeaseSettled;
import io.tollgate.events.RefusalReason;
import io.tollgate.events.LeaseSettled.LeaseEnd;
import io.tollgate.ledger.api.Commands.AdjustCredits;
import io.tollgate.ledger.api.Commands.ExpireGrants;
import io.tollgate.ledger.api.Commands.ExpireLease;
import io.tollgate.ledger.api.Commands.ExtendLease;
import io.tollgate.ledger.api.Commands.GrantLease;
import io.tollgate.ledger.api.Commands.SettleLease;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.hamcrest.Matcher;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;

import static org.axonframework.test.matchers.Matchers.andNoMore;
import static org.axonframework.test.matchers.Matchers.exactSequenceOf;
import static org.axonframework.test.matchers.Matchers.payloadsMatching;
import static org.axonframework.test.matchers.Matchers.predicate;

/**
 * Credit leases on the CreditAccount: a lease never takes more than is available, so leases together
 * never exceed the balance (I1), and giving one back moves exactly what its requests cost.
 */
class CreditLeaseTest {
    private static final String ACCOUNT = "acct-lease";
    private static final Duration TTL = Duration.ofSeconds(60);
    private static final Set<String> GENERATED_FIELDS = Set.of("eventId", "occurredAt", "expiresAt");

    private AggregateTestFixture<CreditAccount> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(CreditAccount.class);
        fixture.registerFieldFilter(field -> !GENERATED_FIELDS.contains(field.getName()));
    }

    private static AccountOpened opened() {
        return new AccountOpened(EventIds.next(), Instant.now(), ACCOUNT, "Lease", "admin");
    }

    private static CreditsGranted granted(long micros) {
        return new CreditsGranted(EventIds.next(), Instant.now(), ACCOUNT, "g-1", micros, GrantSource.ADMIN, null,
                "admin");
    }

    private static LeaseGranted lease(String leaseId, String instance, long micros) {
        return new LeaseGranted(EventIds.next(), Instant.now(), ACCOUNT, leaseId, instance, micros,
                Instant.now().plus(TTL));
    }

    private static LeaseGranted expiredLease(String leaseId, long micros) {
        return new LeaseGranted(EventIds.next(), Instant.now().minusSeconds(120), ACCOUNT, leaseId, "gw-a", micros,
                Instant.now().minusSeconds(60));
    }

    private static Matcher<Object> grantedAmount(long micros) {
        return predicate(result -> result instanceof LeaseOutcome.Granted granted && granted.amountMicros() == micros);
    }

    @Test
    void grantsWhatItWantsWhenTheAccountHasIt() {
        fixture.given(opened(), granted(1_000))
                .when(new GrantLease(ACCOUNT, "l-1", "gw-a", 300, 20, TTL))
                .expectEvents(lease("l-1", "gw-a", 300))
                .expectResultMessagePayloadMatching(grantedAmount(300));
    }

    @Test
    void grantsWhatIsAvailableWhenThatIsLessThanWantedButCoversTheMinimum() {
        fixture.given(opened(), granted(1_000), lease("l-1", "gw-a", 900))
                .when(new GrantLease(ACCOUNT, "l-2", "gw-a", 500, 50, TTL))
                .expectEvents(lease("l-2", "gw-a", 100))
                .expectResultMessagePayloadMatching(grantedAmount(100));
    }

    @Test
    void refusesWhenWhatIsLeftDoesNotCoverTheMinimum() {
        fixture.given(opened(), granted(1_000), lease("l-1", "gw-a", 990))
                .when(new GrantLease(ACCOUNT, "l-2", "gw-a", 500, 20, TTL))
                .expectNoEvents()
                .expectResultMessagePayload(new LeaseOutcome.Refused(RefusalReason.INSUFFICIENT_CREDIT, 10));
    }

    @Test
    void refusesAClosedAccount() {
        fixture.given(opened(), granted(1_000), new AccountClosed(EventIds.next(), Instant.now(), ACCOUNT, "gone", "a"))
                .when(new GrantLease(ACCOUNT, "l-1", "gw-a", 500, 20, TTL))
                .expectNoEvents()
                .expectResultMessagePayload(new LeaseOutcome.Refused(RefusalReason.ACCOUNT_CLOSED, 0));
    }

    @Test
    void leavesHalfOfWhatIsLeftToAnotherInstanceMeteringTheSameAccount() {
        fixture.given(opened(), granted(1_000), lease("l-1", "gw-a", 200))
                .when(new GrantLease(ACCOUNT, "l-2", "gw-b", 800, 20, TTL))
                .expectEvents(lease("l-2", "gw-b", 400));
    }

    @Test
    void givingALeaseBackDebitsWhatItsRequestsCostAndFreesTheRest() {
        fixture.given(opened(), granted(1_000), lease("l-1", "gw-a", 600))
                .when(new SettleLease(ACCOUNT, "l-1", 250, 5))
                .expectEvents(new LeaseSettled(EventIds.next(), Instant.now(), ACCOUNT, "l-1", 600, 250, 5,
                        LeaseEnd.RETURNED))
                .expectResultMessagePayload(250L);
        // 1,000 granted - 250 debited: the next lease can take all 750, and no more.
        fixture.given(opened(), granted(1_000), lease("l-1", "gw-a", 600),
                        new LeaseSettled(EventIds.next(), Instant.now(), ACCOUNT, "l-1", 600, 250, 5, LeaseEnd.RETURNED))
                .when(new GrantLease(ACCOUNT, "l-2", "gw-a", 10_000, 751, TTL))
                .expectNoEvents()
                .expectResultMessagePayload(new LeaseOutcome.Refused(RefusalReason.INSUFFICIENT_CREDIT, 750));
    }

    @Test
    void aLeaseIsSettledOnceOnly() {
        fixture.given(opened(), granted(1_000), lease("l-1", "gw-a", 600),
                        new LeaseSettled(EventIds.next(), Instant.now(), ACCOUNT, "l-1", 600, 250, 5, LeaseEnd.RETURNED))
                .when(new SettleLease(ACCOUNT, "l-1", 250, 5))
                .expectNoEvents()
                .expectResultMessagePayload(-1L);
    }

    @Test
    void aSettlementNeverDebitsMoreThanTheLease() {
        fixture.given(opened(), granted(1_000), lease("l-1", "gw-a", 600))
                .when(new SettleLease(ACCOUNT, "l-1", 900, 5))
                .expectEvents(new LeaseSettled(EventIds.next(), Instant.now(), ACCOUNT, "l-1", 600, 600, 5,
                        LeaseEnd.RETURNED));
    }

    @Test
    void anUnreturnedLeaseIsSettledFromTheLogOnlyAfterItsExpiry() {
        fixture.given(opened(), granted(1_000), lease("l-1", "gw-a", 600))
                .when(new ExpireLease(ACCOUNT, "l-1", 100, 2))
                .expectNoEvents()
                .expectResultMessagePayload(false);
        fixture.given(opened(), granted(1_000), expiredLease("l-1", 600))
                .when(new ExpireLease(ACCOUNT, "l-1", 100, 2))
                .expectEvents(new LeaseSettled(EventIds.next(), Instant.now(), ACCOUNT, "l-1", 600, 100, 2,
                        LeaseEnd.EXPIRED))
                .expectResultMessagePayload(true);
    }

    @Test
    void anExtendedLeaseIsNotYetDue() {
        Instant later = Instant.now().plus(TTL);
        fixture.given(opened(), granted(1_000), expiredLease("l-1", 600))
                .when(new ExtendLease(ACCOUNT, "l-1", later))
                .expectEvents(new LeaseExtended(EventIds.next(), Instant.now(), ACCOUNT, "l-1", later));
        fixture.given(opened(), granted(1_000), expiredLease("l-1", 600),
                        new LeaseExtended(EventIds.next(), Instant.now(), ACCOUNT, "l-1", later))
                .when(new ExpireLease(ACCOUNT, "l-1", 100, 2))
                .expectNoEvents()
                .expectResultMessagePayload(false);
    }

    @Test
    void creditOnLeaseCannotBeAdjustedAway() {
        fixture.given(opened(), granted(1_000), lease("l-1", "gw-a", 800))
                .when(new AdjustCredits(ACCOUNT, -300, "refund", "admin"))
                .expectException(IllegalArgumentException.class)
                .expectNoEvents();
    }

    @Test
    void refusesALeaseWithoutAPositiveMinimum() {
        fixture.given(opened(), granted(1_000))
                .when(new GrantLease(ACCOUNT, "l-1", "gw-a", 300, 0, TTL))
                .expectException(IllegalArgumentException.class)
                .expectEventsMatching(payloadsMatching(exactSequenceOf(andNoMore())));
    }

    /**
     * A grant that expires while a lease drawn on it is open: the requests on the lease were answered on the
     * strength of that credit, so the expiry leaves what the lease may still debit, and takes it once the
     * lease settled. Debits never exceed grants (I1) and the settlement is never cut short.
     */
    @Test
    void anExpiringGrantLeavesWhatAnOpenLeaseCountsOn() {
        fixture.given(opened(), grantedBefore("soon", 1_000, Instant.now().minusSeconds(1)), lease("l-1", "gw-a", 1_000))
                .when(new ExpireGrants(ACCOUNT))
                .expectNoEvents()
                .expectResultMessagePayload(0L);
    }

    @Test
    void anExpiringGrantTakesOnlyWhatOpenLeasesDoNotNeedBeyondLiveCredit() {
        // 1,200 lent out: 500 live credit covers part, so 700 of the expired grant stays and 300 goes now.
        fixture.given(opened(), grantedBefore("soon", 1_000, Instant.now().minusSeconds(1)),
                        grantedBefore("forever", 500, null), lease("l-1", "gw-a", 1_200))
                .when(new ExpireGrants(ACCOUNT))
                .expectEvents(new CreditsExpired(EventIds.next(), Instant.now(), ACCOUNT, "soon", 300))
                .expectResultMessagePayload(300L);
    }

    @Test
    void aLeaseSettledAfterItsGrantExpiredIsDebitedInFullAndTheRestThenExpires() {
        fixture.given(opened(), grantedBefore("soon", 1_000, Instant.now().minusSeconds(1)), lease("l-1", "gw-a", 1_000))
                .andGivenCommands(new ExpireGrants(ACCOUNT))
                .when(new SettleLease(ACCOUNT, "l-1", 800, 4))
                .expectEvents(new LeaseSettled(EventIds.next(), Instant.now(), ACCOUNT, "l-1", 1_000, 800, 4,
                                LeaseEnd.RETURNED),
                        new CreditsExpired(EventIds.next(), Instant.now(), ACCOUNT, "soon", 200))
                .expectResultMessagePayload(800L);
    }

    @Test
    void aLeaseSettledAfterItsGrantExpiredNeverTakesTheBalanceBelowZero() {
        // Swept before the fix as a whole bucket: the lease's 800 then had nothing to be debited from.
        fixture.given(opened(), grantedBefore("soon", 1_000, Instant.now().minusSeconds(1)), lease("l-1", "gw-a", 1_000))
                .andGivenCommands(new ExpireGrants(ACCOUNT))
                .when(new SettleLease(ACCOUNT, "l-1", 800, 4))
                .expectResultMessagePayload(800L);
    }

    /** A grant made before its expiry, which has passed by now (a command could not grant it any more). */
    private static CreditsGranted grantedBefore(String grantId, long micros, Instant expiresAt) {
        return new CreditsGranted(EventIds.next(), Instant.now().minusSeconds(60), ACCOUNT, grantId, micros,
                GrantSource.ADMIN, expiresAt, "admin");
    }
}
