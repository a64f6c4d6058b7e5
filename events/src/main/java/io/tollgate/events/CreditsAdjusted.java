package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/** An admin correction; deltaMicros may be negative. */
public record CreditsAdjusted(UUID eventId, Instant occurredAt, String accountId, long deltaMicros,
                              String reason, String actor)
        implements TollgateEvent {
}
