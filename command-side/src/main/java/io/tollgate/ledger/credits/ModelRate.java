package io.tollgate.ledger.credits;

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

    /** A rate whose cached input costs what any input costs. */
    public ModelRate(long inputMicrosPerMillion, long outputMicrosPerMillion) {
        this(inputMicrosPerMillion, outputMicrosPerMillion, inputMicrosPerMillion);
    }
}
