package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/** Credits given back for a debited request. */
public record CreditsRefunded(UUID eventId, Instant occurredAt, String accountId, String requestId,
                              long amountMicros, String reason, String actor)
        implements TollgateEvent, RequestScoped {
}
