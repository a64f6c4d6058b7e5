package io.tollgate.ledger.api;

import io.tollgate.events.GrantSource;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** The commands a CreditAccount accepts. */
public final class Commands {
    private Commands() {
    }

    public record OpenAccount(@TargetAggregateIdentifier String accountId, String displayName, String actor) {
    }

    /**
     * @param expiresAt null for credit that never expires
     * @param reference what paid for a purchase (a payment provider's reference); null for other grants
     */
    public record GrantCredits(@TargetAggregateIdentifier String accountId, String grantId, long amountMicros,
                               GrantSource source, Instant expiresAt, String actor, String reference) {

        public GrantCredits(String accountId, String grantId, long amountMicros, GrantSource source, Instant expiresAt,
                            String actor) {
            this(accountId, grantId, amountMicros, source, expiresAt, actor, null);
        }
    }

    /**
     * Accept a request and hold its worst-case cost: the input estimate plus the output limit, where the
     * output limit is what the client asked for (or {@code defaultMaxTokens}), lowered to what the
     * available credit affords.
     *
     * @param requestedMaxTokens null when the client set no limit
     * @param minOutputTokens    below this affordable output the request is rejected instead of clamped
     */
    public record ReserveCredits(@TargetAggregateIdentifier String accountId, String requestId, String apiKeyId,
                                 String provider, String model, String apiFormat, boolean stream,
                                 long estimatedInputTokens, Integer requestedMaxTokens, int defaultMaxTokens,
                                 int minOutputTokens, ModelRate rate, Duration reservationTimeout) {
    }

    /**
     * Debit what an answered request used, end its reservation and record its provider attempts.
     *
     * @param provider the provider that answered, which after a failover is not the one reserved for
     * @param rate     the answering deployment's rate, or null for the rate reserved at
     */
    public record SettleRequest(@TargetAggregateIdentifier String accountId, String requestId,
                                String provider, String model, TokenUsage usage, List<ProviderAttempt> attempts,
                                ModelRate rate) {

        public SettleRequest(String accountId, String requestId, String provider, String model, TokenUsage usage,
                             List<ProviderAttempt> attempts) {
            this(accountId, requestId, provider, model, usage, attempts, null);
        }
    }

    /** End a reservation without a charge: the provider failed (every attempt is recorded). */
    public record ReleaseReservation(@TargetAggregateIdentifier String accountId, String requestId,
                                     List<ProviderAttempt> attempts) {
    }

    /**
     * End a reservation whose settlement never came (the node handling it died), once its expiry has
     * passed; answers whether it was released. A settlement arriving later still bills the request.
     */
    public record ExpireReservation(@TargetAggregateIdentifier String accountId, String requestId) {
    }

    /** Sweep the unused remainder of every grant whose expiry has passed; answers the micro-credits expired. */
    public record ExpireGrants(@TargetAggregateIdentifier String accountId) {
    }

    /**
     * An admin correction: a positive delta adds credit that never expires, a negative one takes at most
     * what is available (the balance minus what reservations hold).
     */
    /** @param adjustmentId null, or an id that makes a repeated adjustment a no-op */
    /**
     * Takes back refunded credit, as much of {@code upToMicros} as is still unspent (available), as an
     * adjustment with the reason; answers the micro-credits taken. Applied once per {@code adjustmentId}:
     * what is available changes between deliveries of a refund, so a repeat answers 0 whatever it asks for.
     */
    public record ClawBackCredits(@TargetAggregateIdentifier String accountId, long upToMicros, String reason,
                                  String actor, String adjustmentId) {
    }

    public record AdjustCredits(@TargetAggregateIdentifier String accountId, long deltaMicros, String reason,
                                String actor, String adjustmentId) {

        public AdjustCredits(String accountId, long deltaMicros, String reason, String actor) {
            this(accountId, deltaMicros, reason, actor, null);
        }
    }

    /**
     * Stop new requests and grants; requests already reserved can still settle. Answers false when the
     * account was closed already.
     */
    public record CloseAccount(@TargetAggregateIdentifier String accountId, String reason, String actor) {
    }

    /**
     * Hand a gateway instance a block of the account's available credit to meter requests against in
     * memory: at most {@code wantedMicros}, at least {@code minimumMicros} (one request's worst case),
     * or nothing. Answers a {@link LeaseOutcome}.
     *
     * @param leaseId a UUIDv7 string made by the instance: its time is where a tally of the lease starts
     */
    public record GrantLease(@TargetAggregateIdentifier String accountId, String leaseId, String instanceId,
                             long wantedMicros, long minimumMicros, Duration ttl) {
    }

    /** Keep a lease open longer (its instance still has requests on it); answers whether it was extended. */
    public record ExtendLease(@TargetAggregateIdentifier String accountId, String leaseId, Instant expiresAt) {
    }

    /**
     * The lease's instance gives it back: its requests cost {@code debitedMicros} in all (the sum of their
     * CreditsDebited events on the topic), the rest is available again. Answers the micro-credits debited;
     * settling a lease that is not open (settled or expired already) changes nothing and answers -1.
     */
    public record SettleLease(@TargetAggregateIdentifier String accountId, String leaseId, long debitedMicros,
                              long requests) {
    }

    /**
     * Settle a lease its instance did not return by its expiry, from the request events on the topic that
     * name it. Answers whether it was settled (false when it is not open or not yet due).
     */
    public record ExpireLease(@TargetAggregateIdentifier String accountId, String leaseId, long debitedMicros,
                              long requests) {
    }

    /**
     * Record that a request was refused before it reached the ledger (a rate, token, concurrency or budget
     * limit of its key or account), so that every refusal is a {@code RequestRejected} in the log. Changes
     * no credit; the account must exist.
     *
     * @param reason a stable machine-readable code, e.g. "rate_limit_requests" or "budget_exhausted"
     */
    public record RecordRejection(@TargetAggregateIdentifier String accountId, String requestId, String model,
                                  String reason, int httpStatus, String message) {
    }
}
