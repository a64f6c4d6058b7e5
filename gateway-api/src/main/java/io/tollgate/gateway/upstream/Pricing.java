package io.tollgate.gateway.upstream;

import io.tollgate.gateway.rates.ModelRates;
import io.tollgate.ledger.credits.ModelRate;

/**
 * How a kind of request is priced from a model's price list, in the ledger's token terms. Embeddings
 * pay their embedding price per input token; an image is billed as one output "token" at its per-image
 * price, a second of transcribed audio as one at its per-second price, and a character spoken as one at its
 * per-character price, so the ledger's worst-case reservation and settlement apply unchanged.
 */
public enum Pricing {
    CHAT {
        @Override
        public ModelRate rate(ModelRates.RateVersion prices) {
            return prices.tokenRate();
        }
    },
    EMBEDDINGS {
        @Override
        public ModelRate rate(ModelRates.RateVersion prices) {
            return new ModelRate(prices.embeddingMicrosPerMillion(), 0, prices.embeddingMicrosPerMillion());
        }
    },
    IMAGES {
        @Override
        public ModelRate rate(ModelRates.RateVersion prices) {
            return new ModelRate(0, Math.multiplyExact(prices.imageMicros(), 1_000_000L), 0);
        }
    },
    TRANSCRIPTION {
        @Override
        public ModelRate rate(ModelRates.RateVersion prices) {
            return new ModelRate(0, Math.multiplyExact(prices.audioSecondMicros(), 1_000_000L), 0);
        }
    },
    SPEECH {
        @Override
        public ModelRate rate(ModelRates.RateVersion prices) {
            return new ModelRate(0, Math.multiplyExact(prices.speechCharacterMicros(), 1_000_000L), 0);
        }
    };

    public abstract ModelRate rate(ModelRates.RateVersion prices);
}
