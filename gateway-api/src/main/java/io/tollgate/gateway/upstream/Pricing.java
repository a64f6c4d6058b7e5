package io.tollgate.gateway.upstream;

import io.tollgate.gateway.rates.ModelRates;
import io.tollgate.ledger.api.ModelRate;

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

        @Override
        public boolean priced(ModelRates.RateVersion prices) {
            return prices.embeddingMicrosPerMillion() > 0;
        }

        @Override
        public String priceName() {
            return "embedding price (embeddingPerMillion)";
        }
    },
    IMAGES {
        @Override
        public ModelRate rate(ModelRates.RateVersion prices) {
            return new ModelRate(0, Math.multiplyExact(prices.imageMicros(), 1_000_000L), 0);
        }

        @Override
        public boolean priced(ModelRates.RateVersion prices) {
            return prices.imageMicros() > 0;
        }

        @Override
        public String priceName() {
            return "image price (perImage)";
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

    /**
     * Whether a deployment has a price for this kind of request. A model priced only per token has no image or
     * embedding price (0): serving those at 0 would give them away, so such a deployment is not called for them.
     */
    public boolean priced(ModelRates.RateVersion prices) {
        return true;
    }

    /** The price this kind needs, as the admin API names it. */
    public String priceName() {
        return "token prices";
    }
}
