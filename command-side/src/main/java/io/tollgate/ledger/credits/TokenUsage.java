package io.tollgate.ledger.credits;

import io.tollgate.events.support.Credits;

/** @param estimated true when the provider reported no usage and the gateway counted it */
public record TokenUsage(long inputTokens, long outputTokens, long cachedInputTokens, long reasoningTokens,
                         boolean estimated) {
    public TokenUsage {
        if (inputTokens < 0 || outputTokens < 0 || cachedInputTokens < 0 || reasoningTokens < 0) {
            throw new IllegalArgumentException("token counts must not be negative");
        }
    }

    /** What these tokens cost at a rate; input served from the provider's prompt cache at the cached price. */
    public long costMicros(ModelRate rate) {
        long cached = Math.min(cachedInputTokens, inputTokens);
        return Math.addExact(Math.addExact(
                        Credits.costMicros(inputTokens - cached, rate.inputMicrosPerMillion()),
                        Credits.costMicros(cached, rate.cachedInputMicrosPerMillion())),
                Credits.costMicros(outputTokens, rate.outputMicrosPerMillion()));
    }
}
