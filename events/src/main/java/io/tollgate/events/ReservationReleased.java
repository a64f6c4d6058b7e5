package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/** @param leaseId the credit lease the hold was on; null for a reservation the CreditAccount held itself */
public record ReservationReleased(UUID eventId, Instant occurredAt, String accountId, String requestId,
                                  long amountMicros, ReleaseReason reason, String leaseId)
        implements TollgateEvent, RequestScoped {

    public ReservationReleased(UUID eventId, Instant occurredAt, String accountId, String requestId,
                               long amountMicros, ReleaseReason reason) {
        this(eventId, occurredAt, accountId, requestId, amountMicros, reason, null);
    }
}
