package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/** The actual cost of an answered request, taken from its reservation. */
public record CreditsDebited(UUID eventId, Instant occurredAt, String accountId, String requestId,
                             long amountMicros, String provider, String model)
        implements TollgateEvent, RequestScoped {
}
