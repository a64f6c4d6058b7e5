package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/** @param expiresAt null when the grant never expires */
public record CreditsGranted(UUID eventId, Instant occurredAt, String accountId, String grantId,
                             long amountMicros, GrantSource source, Instant expiresAt, String actor)
        implements TollgateEvent {
}
