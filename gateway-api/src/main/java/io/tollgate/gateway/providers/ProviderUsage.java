package io.tollgate.gateway.providers;

/**
 * Token usage as a provider reported it, normalised.
 *
 * @param cachedInputTokens     input read from the provider's prompt cache (part of the input tokens)
 * @param cacheWriteTokens      input written to the provider's prompt cache (part of the input tokens; Anthropic
 *                              bills them above the input rate)
 */
public record ProviderUsage(long inputTokens, long outputTokens, long cachedInputTokens, long reasoningTokens,
                            long cacheWriteTokens) {

    public ProviderUsage(long inputTokens, long outputTokens, long cachedInputTokens, long reasoningTokens) {
        this(inputTokens, outputTokens, cachedInputTokens, reasoningTokens, 0);
    }
}
