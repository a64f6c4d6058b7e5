package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/**
 * A lease ended: {@code debitedMicros} is what the requests drawn on it cost (the sum of their
 * {@link CreditsDebited} events that name this lease), the rest of {@code amountMicros} is available
 * again. The per-request debits are on the topic already; this event moves the account's buckets.
 *
 * @param requests how many requests were debited on this lease
 */
public record LeaseSettled(UUID eventId, Instant occurredAt, String accountId, String leaseId, long amountMicros,
                           long debitedMicros, long requests, LeaseEnd reason)
        implements TollgateEvent {

    public enum LeaseEnd {
        /** Its instance gave it back, with its own exact count of what was debited. */
        RETURNED,
        /** Its instance did not return it by the expiry: settled from the request events on the topic. */
        EXPIRED
    }
}
