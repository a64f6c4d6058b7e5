package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/**
 * A block of an account's available credit handed to one gateway instance, which reserves and settles
 * requests against it in memory until it returns the lease or the lease expires. While the lease is
 * open its whole amount is unavailable to anyone else, so instances together never spend past the
 * balance (I1).
 *
 * @param instanceId the gateway instance holding the lease
 * @param expiresAt  after this (plus the settle grace) the lease is settled from the request events on
 *                   the topic, whether or not its instance is alive
 */
public record LeaseGranted(UUID eventId, Instant occurredAt, String accountId, String leaseId, String instanceId,
                           long amountMicros, Instant expiresAt)
        implements TollgateEvent {
}
