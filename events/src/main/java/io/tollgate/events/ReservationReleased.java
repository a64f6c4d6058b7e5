package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

public record ReservationReleased(UUID eventId, Instant occurredAt, String accountId, String requestId,
                                  long amountMicros, ReleaseReason reason)
        implements TollgateEvent, RequestScoped {
}
