package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/**
 * A Tollgate API key stops working at {@code effectiveAt}: at once when revoked, after the grace period
 * when rotated.
 *
 * @param reason "revoked" or "rotated"
 */
public record ApiKeyRevoked(UUID eventId, Instant occurredAt, String accountId, String keyId, String reason,
                            Instant effectiveAt, String actor)
        implements TollgateEvent {
}
