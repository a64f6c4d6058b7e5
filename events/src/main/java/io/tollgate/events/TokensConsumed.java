package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/**
 * Usage of one answered request, normalised across providers.
 *
 * @param cachedInputTokens input read from the provider's prompt cache (part of inputTokens)
 * @param estimated         true when the provider reported no usage and Tollgate counted the tokens itself
 * @param cacheWriteTokens  input written to the provider's prompt cache (part of inputTokens, billed at 1.25 times
 *                          the input rate); absent (0) in events written before it was recorded
 */
public record TokensConsumed(UUID eventId, Instant occurredAt, String accountId, String requestId,
                             String provider, String model, long inputTokens, long outputTokens,
                             long cachedInputTokens, long reasoningTokens, boolean estimated, long cacheWriteTokens)
        implements TollgateEvent, RequestScoped {

    public TokensConsumed(UUID eventId, Instant occurredAt, String accountId, String requestId, String provider,
                          String model, long inputTokens, long outputTokens, long cachedInputTokens,
                          long reasoningTokens, boolean estimated) {
        this(eventId, occurredAt, accountId, requestId, provider, model, inputTokens, outputTokens, cachedInputTokens,
                reasoningTokens, estimated, 0);
    }
}
