package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/** The unused remainder of a grant that reached its expiry. */
public record CreditsExpired(UUID eventId, Instant occurredAt, String accountId, String grantId, long amountMicros)
        implements TollgateEvent {
}
