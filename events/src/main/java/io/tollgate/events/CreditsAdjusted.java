package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/**
 * An admin correction; deltaMicros may be negative.
 *
 * @param adjustmentId chosen by the caller (or derived from its Idempotency-Key) so that a retried adjustment
 *                     is applied once; null for adjustments without one, and in events written before it existed
 */
public record CreditsAdjusted(UUID eventId, Instant occurredAt, String accountId, long deltaMicros,
                              String reason, String actor, String adjustmentId)
        implements TollgateEvent {

    public CreditsAdjusted(UUID eventId, Instant occurredAt, String accountId, long deltaMicros, String reason,
                           String actor) {
        this(eventId, occurredAt, accountId, deltaMicros, reason, actor, null);
    }
}
