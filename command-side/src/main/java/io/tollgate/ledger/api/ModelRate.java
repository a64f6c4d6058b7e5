package io.tollgate.ledger.api;

/**
 * Token prices in micro-credits per million tokens.
 *
 * @param cachedInputMicrosPerMillion the price of input tokens the provider served from its prompt cache
 *        (they are part of the input tokens; settlement prices them at this rate instead of the input rate)
 */
public record ModelRate(long inputMicrosPerMillion, long outputMicrosPerMillion, long cachedInputMicrosPerMillion) {
    public ModelRate {
        if (inputMicrosPerMillion < 0 || outputMicrosPerMillion < 0 || cachedInputMicrosPerMillion < 0) {
            throw new IllegalArgumentException("rates must not be negative");
        }
    }

    /** The dearest of two rates, price by price: a reservation that may be answered by either covers both. */
    public ModelRate ceiling(ModelRate other) {
        return new ModelRate(Math.max(inputMicrosPerMillion, other.inputMicrosPerMillion),
                Math.max(outputMicrosPerMillion, other.outputMicrosPerMillion),
                Math.max(cachedInputMicrosPerMillion, other.cachedInputMicrosPerMillion));
    }

    /**
     * Writing to a prompt cache costs 1.25 times the input price (Anthropic's 5-minute cache writes; OpenAI and
     * Gemini report no writes). The rate table has no price of its own for it.
     */
    public static final long CACHE_WRITE_PREMIUM_NUMERATOR = 5;
    public static final long CACHE_WRITE_PREMIUM_DENOMINATOR = 4;

    /** What writing tokens to the provider's prompt cache costs, rounded up to the micro-credit. */
    public long cacheWriteCostMicros(long tokens) {
        if (tokens < 0) {
            throw new IllegalArgumentException("tokens must not be negative");
        }
        return Math.ceilDiv(Math.multiplyExact(Math.multiplyExact(tokens, inputMicrosPerMillion),
                CACHE_WRITE_PREMIUM_NUMERATOR), CACHE_WRITE_PREMIUM_DENOMINATOR * 1_000_000L);
    }

    /** A rate whose cached input costs what any input costs. */
    public ModelRate(long inputMicrosPerMillion, long outputMicrosPerMillion) {
        this(inputMicrosPerMillion, outputMicrosPerMillion, inputMicrosPerMillion);
    }
}
