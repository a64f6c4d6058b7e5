package io.tollgate.ledger.credits;

/**
 * Token prices in micro-credits per million tokens.
 *
 * @param cachedInputMicrosPerMillion the price of input tokens the provider served from its prompt cache.
 *        Carried with the rate so that callers hand the whole token price list to the ledger; settlement
 *        does not price cached tokens separately yet (they are billed as input tokens, at the input price).
 */
public record ModelRate(long inputMicrosPerMillion, long outputMicrosPerMillion, long cachedInputMicrosPerMillion) {
    public ModelRate {
        if (inputMicrosPerMillion < 0 || outputMicrosPerMillion < 0 || cachedInputMicrosPerMillion < 0) {
            throw new IllegalArgumentException("rates must not be negative");
        }
    }

    /** A rate whose cached input costs what any input costs. */
    public ModelRate(long inputMicrosPerMillion, long outputMicrosPerMillion) {
        this(inputMicrosPerMillion, outputMicrosPerMillion, inputMicrosPerMillion);
    }
}
