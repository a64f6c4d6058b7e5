package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/**
 * A provider reported more usage than the request's hold covered: the request was charged its hold (the
 * {@link CreditsDebited} of the same request), and this records what the usage would have cost beyond it,
 * which no one was charged. The operator sees it as {@code tollgate_usage_over_hold_micros_total}; a model
 * that keeps showing up there has an input estimate or an output limit that does not bound its cost.
 *
 * @param heldMicros  what the request held, and was charged
 * @param costMicros  what the reported usage costs at the answering deployment's rate
 * @param leaseId     the credit lease the hold was on
 */
public record UsageOverHold(UUID eventId, Instant occurredAt, String accountId, String requestId,
                            String provider, String model, long heldMicros, long costMicros, String leaseId)
        implements TollgateEvent, RequestScoped {

    /** What went uncharged. */
    public long overMicros() {
        return costMicros - heldMicros;
    }
}
