package io.tollgate.gateway.chat;

import io.tollgate.gateway.auth.EndpointScopes;
import io.tollgate.gateway.rates.ModelRates;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.util.List;

/**
 * OpenAI's model list: every model that has a rate and an enabled provider, with its prices (credits per
 * million tokens, per image, per second of transcribed audio, per character spoken); and the same list public, for the pricing page.
 */
@RestController
class ModelsController {
    private final ModelRates rates;

    ModelsController(ModelRates rates) {
        this.rates = rates;
    }

    record Model(String id, String object, long created, String owned_by, Pricing pricing) {
    }

    /** Credits per million tokens, per image, per second of transcribed audio and per character spoken. */
    record Pricing(BigDecimal input, BigDecimal output, BigDecimal cachedInput, BigDecimal image,
                   BigDecimal embedding, BigDecimal audioSecond, BigDecimal speechCharacter) {
        static Pricing of(ModelRates.RateView rate) {
            return new Pricing(rate.inputPerMillion(), rate.outputPerMillion(), rate.cachedInputPerMillion(),
                    rate.perImage(), rate.embeddingPerMillion(), rate.perAudioSecond(), rate.perSpeechCharacter());
        }
    }

    record ModelList(String object, List<Model> data) {
    }

    /** One priced model, as the public price list shows it. */
    record PricedModel(String id, String provider, String model, Pricing pricing) {
    }

    /** The same models and prices, without a key: for the public pricing page. */
    @GetMapping(EndpointScopes.PUBLIC_PRICING)
    List<PricedModel> pricing() {
        return rates.callable().stream()
                .map(rate -> new PricedModel(rate.provider() + "/" + rate.model(), rate.provider(), rate.model(),
                        Pricing.of(rate)))
                .toList();
    }

    @GetMapping("/v1/models")
    ModelList models() {
        return new ModelList("list", rates.callable().stream()
                .map(rate -> new Model(rate.provider() + "/" + rate.model(), "model", 0, rate.provider(),
                        Pricing.of(rate)))
                .toList());
    }
}
