package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/** A lease whose instance still has requests open on it (a long stream) lives longer. */
public record LeaseExtended(UUID eventId, Instant occurredAt, String accountId, String leaseId, Instant expiresAt)
        implements TollgateEvent {
}
