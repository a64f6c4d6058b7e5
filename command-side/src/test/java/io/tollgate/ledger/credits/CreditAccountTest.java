package io.tollgate.ledger.credits;

import io.tollgate.events.AccountOpened;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.CreditsGranted;
import io.tollgate.events.CreditsReserved;
import io.tollgate.events.EventIds;
import io.tollgate.events.GrantSource;
import io.tollgate.events.ProviderCalled;
import io.tollgate.events.ReleaseReason;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.RequestRejected;
import io.tollgate.events.ReservationReleased;
import io.tollgate.events.TokensConsumed;
import io.tollgate.ledger.credits.Commands.GrantCredits;
import io.tollgate.ledger.credits.Commands.OpenAccount;
import io.tollgate.ledger.credits.Commands.ReleaseReservation;
import io.tollgate.ledger.credits.Commands.ReserveCredits;
import io.tollgate.ledger.credits.Commands.SettleRequest;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

class CreditAccountTest {
    private static final String ACCOUNT = "acct-1";
    /** 2 credits per million input tokens (2 micro-credits a token), 10 per million output tokens. */
    private static final ModelRate RATE = new ModelRate(2_000_000, 10_000_000);
    private static final Set<String> GENERATED_FIELDS = Set.of("eventId", "occurredAt");

    private AggregateTestFixture<CreditAccount> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(CreditAccount.class);
        // Ids and timestamps are generated; every other field must match exactly.
        fixture.registerFieldFilter(field -> !GENERATED_FIELDS.contains(field.getName())
                && !(field.getDeclaringClass() == CreditsReserved.class && field.getName().equals("expiresAt")));
    }

    @Test
    void opensAnAccount() {
        fixture.givenNoPriorActivity()
                .when(new OpenAccount(ACCOUNT, "Demo", "admin"))
                .expectEvents(new AccountOpened(EventIds.next(), Instant.now(), ACCOUNT, "Demo", "admin"));
    }

    @Test
    void refusesAnAccountWithoutId() {
        fixture.givenNoPriorActivity()
                .when(new OpenAccount(" ", "Demo", "admin"))
                .expectException(IllegalArgumentException.class)
                .expectNoEvents();
    }

    @Test
    void grantsCredits() {
        Instant expiry = Instant.parse("2030-01-01T00:00:00Z");
        fixture.given(opened())
                .when(new GrantCredits(ACCOUNT, "g-1", 5_000_000, GrantSource.PURCHASE, expiry, "admin"))
                .expectEvents(new CreditsGranted(EventIds.next(), Instant.now(), ACCOUNT, "g-1", 5_000_000,
                        GrantSource.PURCHASE, expiry, "admin"));
    }

    @Test
    void refusesAGrantThatIsNotPositive() {
        fixture.given(opened())
                .when(new GrantCredits(ACCOUNT, "g-1", 0, GrantSource.ADMIN, null, "admin"))
                .expectException(IllegalArgumentException.class)
                .expectNoEvents();
    }

    @Test
    void reservesTheWorstCaseOfARequestThatFits() {
        // 100 input tokens × 2 + 50 output tokens × 10 = 700 micro-credits
        fixture.given(opened(), granted(1_000))
                .when(reserve("r-1", 100, 50))
                .expectResultMessagePayload(new ReservationOutcome.Reserved(700, 50, false))
                .expectEvents(accepted("r-1", 100, 50), reserved("r-1", 700, 50, false));
    }

    @Test
    void clampsTheOutputLimitToWhatTheCreditAffords() {
        // 1,000 − 200 for the input leaves 800: 80 output tokens, not the 500 asked for
        fixture.given(opened(), granted(1_000))
                .when(reserve("r-1", 100, 500))
                .expectResultMessagePayload(new ReservationOutcome.Reserved(1_000, 80, true))
                .expectEvents(accepted("r-1", 100, 500), reserved("r-1", 1_000, 80, true));
    }

    @Test
    void aRequestWithoutALimitGetsTheDefaultAndIsMarkedClamped() {
        fixture.given(opened(), granted(1_000_000))
                .when(reserve("r-1", 100, null))
                .expectResultMessagePayload(new ReservationOutcome.Reserved(200 + 4_096 * 10, 4_096, true));
    }

    @Test
    void rejectsARequestThatCannotAffordTheMinimumAnswer() {
        // 200 for the input leaves 50: 5 output tokens, below the minimum of 16
        fixture.given(opened(), granted(250))
                .when(reserve("r-1", 100, 500))
                .expectResultMessagePayloadMatching(org.hamcrest.Matchers.instanceOf(ReservationOutcome.Rejected.class))
                .expectEventsMatching(org.axonframework.test.matchers.Matchers.payloadsMatching(
                        org.axonframework.test.matchers.Matchers.exactSequenceOf(
                                org.hamcrest.Matchers.instanceOf(RequestRejected.class),
                                org.axonframework.test.matchers.Matchers.andNoMore())));
    }

    @Test
    void otherReservationsCountAgainstTheAvailableCredit() {
        fixture.given(opened(), granted(1_000), reserved("r-1", 800, 30, false))
                .when(reserve("r-2", 100, 50))
                .expectResultMessagePayloadMatching(org.hamcrest.Matchers.instanceOf(ReservationOutcome.Rejected.class));
    }

    @Test
    void refusesASecondReservationForTheSameRequest() {
        fixture.given(opened(), granted(10_000), reserved("r-1", 700, 50, false))
                .when(reserve("r-1", 100, 50))
                .expectException(IllegalStateException.class)
                .expectNoEvents();
    }

    @Test
    void settlingDebitsTheActualCostAndEndsTheReservation() {
        // 80 input × 2 + 20 output × 10 = 360
        var usage = new TokenUsage(80, 20, 0, 0, false);
        var attempt = new ProviderAttempt("mock", "m", "cred-1", 1, 200, 12, 3L, null);
        fixture.given(opened(), granted(1_000), reserved("r-1", 700, 50, false))
                .when(new SettleRequest(ACCOUNT, "r-1", "mock", "m", usage, List.of(attempt)))
                .expectResultMessagePayload(new SettlementOutcome(360, false))
                .expectEvents(
                        new ProviderCalled(EventIds.next(), Instant.now(), ACCOUNT, "r-1", "mock", "m", "cred-1", 1, 200,
                                12, 3L, null),
                        new TokensConsumed(EventIds.next(), Instant.now(), ACCOUNT, "r-1", "mock", "m", 80, 20, 0, 0, false),
                        new CreditsDebited(EventIds.next(), Instant.now(), ACCOUNT, "r-1", 360, "mock", "m"),
                        new ReservationReleased(EventIds.next(), Instant.now(), ACCOUNT, "r-1", 700, ReleaseReason.SETTLED));
    }

    @Test
    void aRepeatedSettlementChangesNothing() {
        fixture.given(opened(), granted(1_000), reserved("r-1", 700, 50, false),
                        new CreditsDebited(EventIds.next(), Instant.now(), ACCOUNT, "r-1", 360, "mock", "m"),
                        new ReservationReleased(EventIds.next(), Instant.now(), ACCOUNT, "r-1", 700, ReleaseReason.SETTLED))
                .when(new SettleRequest(ACCOUNT, "r-1", "mock", "m", new TokenUsage(80, 20, 0, 0, false), List.of()))
                .expectResultMessagePayload(new SettlementOutcome(0, true))
                .expectNoEvents();
    }

    @Test
    void aDebitBeyondTheReservationNeverExceedsWhatIsAvailable() {
        // Usage far above the estimate: 10,000 input tokens would cost 20,000, but only 1,000 exist.
        fixture.given(opened(), granted(1_000), reserved("r-1", 700, 50, false))
                .when(new SettleRequest(ACCOUNT, "r-1", "mock", "m", new TokenUsage(10_000, 0, 0, 0, false), List.of()))
                .expectResultMessagePayload(new SettlementOutcome(1_000, false));
    }

    @Test
    void releasingAfterAProviderFailureChargesNothing() {
        var attempt = new ProviderAttempt("mock", "m", "cred-1", 1, 500, 40, 40L, "upstream_5xx");
        fixture.given(opened(), granted(1_000), reserved("r-1", 700, 50, false))
                .when(new ReleaseReservation(ACCOUNT, "r-1", List.of(attempt)))
                .expectResultMessagePayload(true)
                .expectEvents(
                        new ProviderCalled(EventIds.next(), Instant.now(), ACCOUNT, "r-1", "mock", "m", "cred-1", 1, 500,
                                40, 40L, "upstream_5xx"),
                        new ReservationReleased(EventIds.next(), Instant.now(), ACCOUNT, "r-1", 700,
                                ReleaseReason.PROVIDER_FAILED));
    }

    @Test
    void releasingAnUnknownReservationChangesNothing() {
        fixture.given(opened(), granted(1_000))
                .when(new ReleaseReservation(ACCOUNT, "nope", List.of()))
                .expectResultMessagePayload(false)
                .expectNoEvents();
    }

    private static AccountOpened opened() {
        return new AccountOpened(EventIds.next(), Instant.now(), ACCOUNT, "Demo", "admin");
    }

    private static CreditsGranted granted(long micros) {
        return new CreditsGranted(EventIds.next(), Instant.now(), ACCOUNT, "g-" + micros, micros, GrantSource.ADMIN,
                null, "admin");
    }

    private static ReserveCredits reserve(String requestId, long inputTokens, Integer maxTokens) {
        return new ReserveCredits(ACCOUNT, requestId, "key-1", "mock", "m", "openai.chat", false, inputTokens,
                maxTokens, 4_096, 16, RATE, Duration.ofMinutes(10));
    }

    private static RequestAccepted accepted(String requestId, long inputTokens, Integer maxTokens) {
        return new RequestAccepted(EventIds.next(), Instant.now(), ACCOUNT, requestId, "key-1", "mock", "m",
                "openai.chat", false, inputTokens, maxTokens);
    }

    private static CreditsReserved reserved(String requestId, long amount, int maxTokens, boolean clamped) {
        return new CreditsReserved(EventIds.next(), Instant.now(), ACCOUNT, requestId, amount, maxTokens, clamped,
                RATE.inputMicrosPerMillion(), RATE.outputMicrosPerMillion(), Instant.now().plusSeconds(600));
    }
}
