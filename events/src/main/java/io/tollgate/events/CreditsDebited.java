package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/**
 * The actual cost of an answered request, taken from its reservation.
 *
 * @param leaseId the credit lease it was drawn on: the account's buckets move when that lease settles
 *                ({@link LeaseSettled}); null for a debit the CreditAccount made itself
 */
public record CreditsDebited(UUID eventId, Instant occurredAt, String accountId, String requestId,
                             long amountMicros, String provider, String model, String leaseId)
        implements TollgateEvent, RequestScoped {

    public CreditsDebited(UUID eventId, Instant occurredAt, String accountId, String requestId, long amountMicros,
                          String provider, String model) {
        this(eventId, occurredAt, accountId, requestId, amountMicros, provider, model, null);
    }
}
