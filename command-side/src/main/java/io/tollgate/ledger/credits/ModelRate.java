package io.tollgate.ledger.credits;

/** Prices in micro-credits per million tokens. */
public record ModelRate(long inputMicrosPerMillion, long outputMicrosPerMillion) {
    public ModelRate {
        if (inputMicrosPerMillion < 0 || outputMicrosPerMillion < 0) {
            throw new IllegalArgumentException("rates must not be negative");
        }
    }
}
