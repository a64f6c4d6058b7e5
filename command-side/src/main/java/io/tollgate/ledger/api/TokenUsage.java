package io.tollgate.ledger.api;

import io.tollgate.events.support.Credits;

/**
 * @param cachedInputTokens input tokens the provider served from its prompt cache (part of inputTokens)
 * @param cacheWriteTokens  input tokens the provider wrote to its prompt cache (part of inputTokens): billed at
 *                          {@link ModelRate#cacheWriteCostMicros(long)}
 * @param estimated         true when the provider reported no usage and the gateway counted it
 */
public record TokenUsage(long inputTokens, long outputTokens, long cachedInputTokens, long reasoningTokens,
                         boolean estimated, long cacheWriteTokens) {
    public TokenUsage {
        if (inputTokens < 0 || outputTokens < 0 || cachedInputTokens < 0 || reasoningTokens < 0
                || cacheWriteTokens < 0) {
            throw new IllegalArgumentException("token counts must not be negative");
        }
    }

    public TokenUsage(long inputTokens, long outputTokens, long cachedInputTokens, long reasoningTokens,
                      boolean estimated) {
        this(inputTokens, outputTokens, cachedInputTokens, reasoningTokens, estimated, 0);
    }

    /**
     * What these tokens cost at a rate: input served from the provider's prompt cache at the cached price,
     * input written to it at the cache-write price, the rest of the input at the input price.
     */
    public long costMicros(ModelRate rate) {
        long cached = Math.min(cachedInputTokens, inputTokens);
        long written = Math.min(cacheWriteTokens, inputTokens - cached);
        return Math.addExact(Math.addExact(Math.addExact(
                                Credits.costMicros(inputTokens - cached - written, rate.inputMicrosPerMillion()),
                                Credits.costMicros(cached, rate.cachedInputMicrosPerMillion())),
                        rate.cacheWriteCostMicros(written)),
                Credits.costMicros(outputTokens, rate.outputMicrosPerMillion()));
    }
}
