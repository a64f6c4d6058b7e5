package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/**
 * Worst-case cost held for a request until it settles.
 *
 * @param grantedMaxTokens the output limit the reservation covers (the client's, or less when clamped)
 * @param clamped true when grantedMaxTokens is lower than what the client asked for (or it asked for none)
 * @param expiresAt when an unsettled reservation is considered orphaned and released
 * @param cachedInputRateMicrosPerMillion the price of cached input tokens; null in events written before
 *        cached tokens had their own price, which means the input price
 */
public record CreditsReserved(UUID eventId, Instant occurredAt, String accountId, String requestId,
                              long amountMicros, int grantedMaxTokens, boolean clamped,
                              long inputRateMicrosPerMillion, long outputRateMicrosPerMillion, Instant expiresAt,
                              Long cachedInputRateMicrosPerMillion)
        implements TollgateEvent, RequestScoped {

    public CreditsReserved(UUID eventId, Instant occurredAt, String accountId, String requestId, long amountMicros,
                           int grantedMaxTokens, boolean clamped, long inputRateMicrosPerMillion,
                           long outputRateMicrosPerMillion, Instant expiresAt) {
        this(eventId, occurredAt, accountId, requestId, amountMicros, grantedMaxTokens, clamped,
                inputRateMicrosPerMillion, outputRateMicrosPerMillion, expiresAt, null);
    }
}
