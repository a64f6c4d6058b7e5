package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

public record AccountClosed(UUID eventId, Instant occurredAt, String accountId, String reason, String actor)
        implements TollgateEvent {
}
