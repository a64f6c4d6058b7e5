package io.tollgate.ledger.credits;

/** @param estimated true when the provider reported no usage and the gateway counted it */
public record TokenUsage(long inputTokens, long outputTokens, long cachedInputTokens, long reasoningTokens,
                         boolean estimated) {
    public TokenUsage {
        if (inputTokens < 0 || outputTokens < 0 || cachedInputTokens < 0 || reasoningTokens < 0) {
            throw new IllegalArgumentException("token counts must not be negative");
        }
    }
}
