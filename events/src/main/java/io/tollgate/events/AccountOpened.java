package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

public record AccountOpened(UUID eventId, Instant occurredAt, String accountId, String displayName, String actor)
        implements TollgateEvent {
}
