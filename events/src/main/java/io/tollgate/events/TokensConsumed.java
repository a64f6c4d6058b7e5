package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/**
 * Usage of one answered request, normalised across providers.
 *
 * @param estimated true when the provider reported no usage and Tollgate counted the tokens itself
 */
public record TokensConsumed(UUID eventId, Instant occurredAt, String accountId, String requestId,
                             String provider, String model, long inputTokens, long outputTokens,
                             long cachedInputTokens, long reasoningTokens, boolean estimated)
        implements TollgateEvent, RequestScoped {
}
