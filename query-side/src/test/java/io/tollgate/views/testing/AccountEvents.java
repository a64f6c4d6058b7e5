package io.tollgate.views.testing;

import io.tollgate.events.AccountOpened;
import io.tollgate.events.CreditsAdjusted;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.CreditsExpired;
import io.tollgate.events.CreditsRefunded;
import io.tollgate.events.CreditsGranted;
import io.tollgate.events.CreditsReserved;
import io.tollgate.events.support.EventIds;
import io.tollgate.events.GrantSource;
import io.tollgate.events.LeaseExtended;
import io.tollgate.events.LeaseGranted;
import io.tollgate.events.LeaseSettled;
import io.tollgate.events.ProviderCalled;
import io.tollgate.events.ReleaseReason;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.RequestRejected;
import io.tollgate.events.ReservationReleased;
import io.tollgate.events.TokensConsumed;
import io.tollgate.events.TollgateEvent;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/**
 * Builds the events of one account as the command side would write them: fresh UUIDv7 ids and an
 * occurredAt that moves on one millisecond per event, so request rows sort in the order they were made.
 */
public final class AccountEvents {
    public static final String PROVIDER = "mock";
    public static final String MODEL = "mock-small";

    private final String accountId;
    private Instant clock = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    public AccountEvents(String accountId) {
        this.accountId = accountId;
    }

    public static String newAccountId() {
        return "acct-" + UUID.randomUUID();
    }

    public static String newRequestId() {
        return "req-" + UUID.randomUUID();
    }

    public String accountId() {
        return accountId;
    }

    /** The occurredAt of the most recently built event. */
    public Instant lastOccurredAt() {
        return clock;
    }

    /** Moves this account's clock, e.g. to build events in a given hour, day or month; the next event is 1 ms later. */
    public AccountEvents at(Instant instant) {
        clock = instant.minusMillis(1);
        return this;
    }

    private Instant tick() {
        clock = clock.plusMillis(1);
        return clock;
    }

    public AccountOpened opened(String displayName) {
        return new AccountOpened(EventIds.next(), tick(), accountId, displayName, "test-admin");
    }

    public CreditsGranted granted(long micros) {
        return new CreditsGranted(EventIds.next(), tick(), accountId, "grant-" + UUID.randomUUID(), micros,
                GrantSource.ADMIN, null, "test-admin");
    }

    public RequestAccepted accepted(String requestId, boolean stream) {
        return accepted(requestId, stream, "key-1", MODEL);
    }

    public RequestAccepted accepted(String requestId, boolean stream, String apiKeyId, String model) {
        return new RequestAccepted(EventIds.next(), tick(), accountId, requestId, apiKeyId, PROVIDER, model,
                "openai.chat", stream, 40, 100);
    }

    public CreditsRefunded refunded(String requestId, long micros) {
        return new CreditsRefunded(EventIds.next(), tick(), accountId, requestId, micros, "bad answer", "test-admin");
    }

    public CreditsExpired expired(String grantId, long micros) {
        return new CreditsExpired(EventIds.next(), tick(), accountId, grantId, micros);
    }

    public CreditsAdjusted adjusted(long deltaMicros, String reason) {
        return new CreditsAdjusted(EventIds.next(), tick(), accountId, deltaMicros, reason, "test-admin");
    }

    public CreditsGranted granted(String grantId, long micros) {
        return new CreditsGranted(EventIds.next(), tick(), accountId, grantId, micros, GrantSource.ADMIN, null,
                "test-admin");
    }

    /** Credits bought: source PURCHASE, with the payment that paid for them. */
    public CreditsGranted purchased(String grantId, long micros, String paymentReference) {
        return new CreditsGranted(EventIds.next(), tick(), accountId, grantId, micros, GrantSource.PURCHASE, null,
                "stripe", paymentReference);
    }

    public CreditsAdjusted adjusted(long deltaMicros, String reason, String adjustmentId) {
        return new CreditsAdjusted(EventIds.next(), tick(), accountId, deltaMicros, reason, "stripe", adjustmentId);
    }

    public CreditsReserved reserved(String requestId, long micros) {
        Instant at = tick();
        return new CreditsReserved(EventIds.next(), at, accountId, requestId, micros, 100, false,
                1_500_000, 2_000_000, at.plus(Duration.ofMinutes(5)));
    }

    public ProviderCalled providerCalled(String requestId, int attempt, int httpStatus, long latencyMillis,
                                         Long ttfbMillis, String errorClass) {
        return new ProviderCalled(EventIds.next(), tick(), accountId, requestId, PROVIDER, MODEL, "cred-1", attempt,
                httpStatus, latencyMillis, ttfbMillis, errorClass);
    }

    public TokensConsumed tokens(String requestId, long input, long output) {
        return new TokensConsumed(EventIds.next(), tick(), accountId, requestId, PROVIDER, MODEL, input, output, 0, 0,
                false);
    }

    public CreditsDebited debited(String requestId, long micros) {
        return debited(requestId, micros, MODEL);
    }

    public CreditsDebited debited(String requestId, long micros, String model) {
        return new CreditsDebited(EventIds.next(), tick(), accountId, requestId, micros, PROVIDER, model);
    }

    public ReservationReleased released(String requestId, long micros, ReleaseReason reason) {
        return new ReservationReleased(EventIds.next(), tick(), accountId, requestId, micros, reason);
    }

    public RequestRejected rejected(String requestId, String reason) {
        return new RequestRejected(EventIds.next(), tick(), accountId, requestId, MODEL, reason, 402,
                "Insufficient credit: this request needs more credits than the account has available.");
    }

    /** Everything the gateway records for one answered request, in the order the command side applies it. */
    public List<TollgateEvent> succeededRequest(String requestId, long reserveMicros, long latencyMillis,
                                                long inputTokens, long outputTokens, long costMicros) {
        return List.of(
                accepted(requestId, false),
                reserved(requestId, reserveMicros),
                providerCalled(requestId, 1, 200, latencyMillis, latencyMillis / 4, null),
                tokens(requestId, inputTokens, outputTokens),
                debited(requestId, costMicros),
                released(requestId, reserveMicros, ReleaseReason.SETTLED));
    }

    /**
     * An answered request under a given key and model, with its latency and TTFB: the numbers usage
     * analytics buckets.
     */
    public List<TollgateEvent> succeededRequest(String requestId, String apiKeyId, String model, long latencyMillis,
                                                long ttfbMillis, long inputTokens, long outputTokens, long costMicros) {
        return List.of(
                accepted(requestId, false, apiKeyId, model),
                reserved(requestId, costMicros * 2),
                new ProviderCalled(EventIds.next(), tick(), accountId, requestId, PROVIDER, model, "cred-1", 1, 200,
                        latencyMillis, ttfbMillis, null),
                new TokensConsumed(EventIds.next(), tick(), accountId, requestId, PROVIDER, model, inputTokens,
                        outputTokens, 0, 0, false),
                debited(requestId, costMicros, model),
                released(requestId, costMicros * 2, ReleaseReason.SETTLED));
    }

    public LeaseGranted leaseGranted(String leaseId, long micros) {
        Instant at = tick();
        return new LeaseGranted(EventIds.next(), at, accountId, leaseId, "gw-test", micros, at.plus(Duration.ofMinutes(5)));
    }

    public LeaseExtended leaseExtended(String leaseId) {
        Instant at = tick();
        return new LeaseExtended(EventIds.next(), at, accountId, leaseId, at.plus(Duration.ofMinutes(10)));
    }

    public LeaseSettled leaseSettled(String leaseId, long amountMicros, long debitedMicros, long requests,
                                     LeaseSettled.LeaseEnd reason) {
        return new LeaseSettled(EventIds.next(), tick(), accountId, leaseId, amountMicros, debitedMicros, requests, reason);
    }

    /** As the gateway writes an answered request at settle time: accepted on the lease, one call, tokens, debit. */
    public List<TollgateEvent> succeededOnLease(String leaseId, String requestId, long reserveMicros, long costMicros) {
        return List.of(
                new RequestAccepted(EventIds.next(), tick(), accountId, requestId, "key-1", PROVIDER, MODEL,
                        "openai.chat", false, 40, 100, reserveMicros, leaseId),
                providerCalled(requestId, 1, 200, 120, 30L, null),
                tokens(requestId, 40, 10),
                new CreditsDebited(EventIds.next(), tick(), accountId, requestId, costMicros, PROVIDER, MODEL, leaseId));
    }

    /** {@link #succeededOnLease} for an app (null: none), with its own tokens and latency. */
    public List<TollgateEvent> succeededForApp(String appId, String leaseId, String requestId, long input, long output,
                                               long latencyMillis, long costMicros) {
        return List.of(
                new RequestAccepted(EventIds.next(), tick(), accountId, requestId, "key-1", PROVIDER, MODEL,
                        "openai.chat", false, input, 100, costMicros * 2, leaseId, appId),
                providerCalled(requestId, 1, 200, latencyMillis, latencyMillis / 4, null),
                tokens(requestId, input, output),
                new CreditsDebited(EventIds.next(), tick(), accountId, requestId, costMicros, PROVIDER, MODEL, leaseId));
    }

    /** A refusal of a request made for an app. */
    public RequestRejected rejectedForApp(String appId, String requestId, String reason) {
        return new RequestRejected(EventIds.next(), tick(), accountId, requestId, MODEL, reason, 402,
                "Insufficient credit.", appId);
    }

    /** A request drawn on a lease whose provider failed: no CreditsReserved before its release. */
    public List<TollgateEvent> failedOnLease(String leaseId, String requestId, long reserveMicros) {
        return List.of(
                new RequestAccepted(EventIds.next(), tick(), accountId, requestId, "key-1", PROVIDER, MODEL,
                        "openai.chat", true, 40, 100, reserveMicros, leaseId),
                providerCalled(requestId, 1, 503, 300, null, "upstream_5xx"),
                new ReservationReleased(EventIds.next(), tick(), accountId, requestId, reserveMicros,
                        ReleaseReason.PROVIDER_FAILED, leaseId));
    }

    /** A request whose provider failed: reserved, one failed attempt, released with nothing charged. */
    public List<TollgateEvent> failedRequest(String requestId, long reserveMicros) {
        return List.of(
                accepted(requestId, true),
                reserved(requestId, reserveMicros),
                providerCalled(requestId, 1, 503, 300, null, "upstream_5xx"),
                released(requestId, reserveMicros, ReleaseReason.PROVIDER_FAILED));
    }
}
