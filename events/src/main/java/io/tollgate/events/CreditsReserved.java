package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/**
 * Worst-case cost held for a request until it settles.
 *
 * @param grantedMaxTokens the output limit the reservation covers (the client's, or less when clamped)
 * @param clamped true when grantedMaxTokens is lower than what the client asked for (or it asked for none)
 * @param expiresAt when an unsettled reservation is considered orphaned and released
 */
public record CreditsReserved(UUID eventId, Instant occurredAt, String accountId, String requestId,
                              long amountMicros, int grantedMaxTokens, boolean clamped,
                              long inputRateMicrosPerMillion, long outputRateMicrosPerMillion, Instant expiresAt)
        implements TollgateEvent, RequestScoped {
}
