package io.tollgate.gateway.metering;

import io.tollgate.events.CreditsDebited;
import io.tollgate.events.support.EventIds;
import io.tollgate.events.ProviderCalled;
import io.tollgate.events.ReleaseReason;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.ReservationReleased;
import io.tollgate.events.TokensConsumed;
import io.tollgate.events.TollgateEvent;
import io.tollgate.events.UsageOverHold;
import io.tollgate.ledger.api.ModelRate;
import io.tollgate.ledger.api.ProviderAttempt;
import io.tollgate.ledger.api.SettlementOutcome;
import io.tollgate.ledger.api.TokenUsage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * One request held on a credit lease until it is settled or released, exactly once. It knows nothing of
 * HTTP: the caller tells it what was used and who answered, and it makes the request's events durable
 * before it counts the debit against the lease.
 */
public final class MeteredRequest {
    private final CreditMeter meter;
    private final Lease lease;
    private final RequestFacts facts;
    private final long heldMicros;
    private final int grantedMaxTokens;
    private final boolean clamped;
    private final Instant acceptedAt;
    private boolean ended;

    MeteredRequest(CreditMeter meter, Lease lease, RequestFacts facts, long heldMicros, int grantedMaxTokens,
                   boolean clamped, Instant acceptedAt) {
        this.meter = meter;
        this.lease = lease;
        this.facts = facts;
        this.heldMicros = heldMicros;
        this.grantedMaxTokens = grantedMaxTokens;
        this.clamped = clamped;
        this.acceptedAt = acceptedAt;
    }

    public String requestId() {
        return facts.requestId();
    }

    public String leaseId() {
        return lease.leaseId;
    }

    /** The output limit the hold covers: the client's, or less when the credit affords less. */
    public int grantedMaxTokens() {
        return grantedMaxTokens;
    }

    /** The output limit is lower than the client's, or the client set none. */
    public boolean clamped() {
        return clamped;
    }

    /**
     * Debits what the request used at the answering deployment's rate, never more than its hold, and returns
     * once its events are durable. Usage that costs more than the hold is charged the hold, and the difference
     * is recorded as a {@link UsageOverHold} event: the client agreed to the hold, not to more. When they cannot be made durable in time
     * the request is not charged and {@link EventsNotDurable} is thrown: the caller must not answer 2xx.
     *
     * @param rate the answering deployment's rate, or null for the rate the hold was made at
     */
    public SettlementOutcome settle(String provider, String model, TokenUsage usage, List<ProviderAttempt> attempts,
                                    ModelRate rate) {
        end();
        long cost = usage.costMicros(rate != null ? rate : facts.rate());
        long debit = lease.claim(heldMicros, cost);
        Instant now = Instant.now();
        List<TollgateEvent> events = new ArrayList<>(attempts.size() + 4);
        events.add(accepted());
        addAttempts(events, attempts, now);
        events.add(new TokensConsumed(EventIds.next(), now, facts.accountId(), facts.requestId(), provider, model,
                usage.inputTokens(), usage.outputTokens(), usage.cachedInputTokens(), usage.reasoningTokens(),
                usage.estimated(), usage.cacheWriteTokens()));
        events.add(new CreditsDebited(EventIds.next(), now, facts.accountId(), facts.requestId(), debit, provider,
                model, lease.leaseId));
        if (cost > heldMicros) {
            events.add(new UsageOverHold(EventIds.next(), now, facts.accountId(), facts.requestId(), provider, model,
                    heldMicros, cost, lease.leaseId));
        }
        if (!meter.makeDurable(facts.accountId(), lease.leaseId, events)) {
            lease.abandon(heldMicros, debit);
            meter.ended(lease);
            throw new EventsNotDurable("request " + facts.requestId() + " could not be recorded in time");
        }
        lease.commit(heldMicros, debit);
        meter.ended(lease);
        return new SettlementOutcome(debit, false);
    }

    /** The account's available credit after this request, as this instance sees it ({@link CreditMeter#availableAsSeen}). */
    public OptionalLong balanceAfter() {
        return meter.availableAsSeen(facts.accountId());
    }

    /** Settled or released already: nothing more may end it. */
    public boolean ended() {
        return ended;
    }

    /** Ends the hold without a charge: every deployment failed, or the provider refused the request. */
    public void release(List<ProviderAttempt> attempts) {
        end();
        lease.release(heldMicros);
        meter.ended(lease);
        Instant now = Instant.now();
        List<TollgateEvent> events = new ArrayList<>(attempts.size() + 2);
        events.add(accepted());
        addAttempts(events, attempts, now);
        events.add(new ReservationReleased(EventIds.next(), now, facts.accountId(), facts.requestId(), heldMicros,
                ReleaseReason.PROVIDER_FAILED, lease.leaseId));
        meter.recordQuietly(facts.accountId(), events);
    }

    private void end() {
        if (ended) {
            throw new IllegalStateException("request " + facts.requestId() + " was settled or released already");
        }
        ended = true;
    }

    private RequestAccepted accepted() {
        return new RequestAccepted(EventIds.next(), acceptedAt, facts.accountId(), facts.requestId(),
                facts.apiKeyId(), facts.provider(), facts.model(), facts.apiFormat(), facts.stream(),
                facts.estimatedInputTokens(), facts.requestedMaxTokens(), heldMicros, lease.leaseId, facts.appId());
    }

    private void addAttempts(List<TollgateEvent> events, List<ProviderAttempt> attempts, Instant now) {
        for (ProviderAttempt attempt : attempts) {
            events.add(new ProviderCalled(EventIds.next(), now, facts.accountId(), facts.requestId(),
                    attempt.provider(), attempt.model(), attempt.credentialId(), attempt.attempt(),
                    attempt.httpStatus(), attempt.latencyMillis(), attempt.ttfbMillis(), attempt.errorClass()));
        }
    }

    /** The request's events were neither acknowledged by the broker nor spilled to PostgreSQL in time. */
    public static final class EventsNotDurable extends RuntimeException {
        EventsNotDurable(String message) {
            super(message);
        }
    }
}
