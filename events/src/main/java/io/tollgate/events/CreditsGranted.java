package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/**
 * @param expiresAt null when the grant never expires
 * @param reference what paid for a {@link GrantSource#PURCHASE}: the payment provider's reference (for Stripe,
 *                  the payment intent, else the Checkout Session); null for other grants and in events written
 *                  before it existed
 */
public record CreditsGranted(UUID eventId, Instant occurredAt, String accountId, String grantId,
                             long amountMicros, GrantSource source, Instant expiresAt, String actor,
                             String reference)
        implements TollgateEvent {

    public CreditsGranted(UUID eventId, Instant occurredAt, String accountId, String grantId, long amountMicros,
                          GrantSource source, Instant expiresAt, String actor) {
        this(eventId, occurredAt, accountId, grantId, amountMicros, source, expiresAt, actor, null);
    }
}
