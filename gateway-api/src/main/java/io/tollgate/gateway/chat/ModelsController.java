package io.tollgate.gateway.chat;

import io.tollgate.gateway.rates.ModelRates;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.util.List;

/** OpenAI's model list: every model that has a rate and an enabled provider, with its prices. */
@RestController
class ModelsController {
    private final ModelRates rates;

    ModelsController(ModelRates rates) {
        this.rates = rates;
    }

    record Model(String id, String object, long created, String owned_by, Pricing pricing) {
    }

    /** Credits per million tokens. */
    record Pricing(BigDecimal input, BigDecimal output) {
    }

    record ModelList(String object, List<Model> data) {
    }

    @GetMapping("/v1/models")
    ModelList models() {
        return new ModelList("list", rates.callable().stream()
                .map(rate -> new Model(rate.provider() + "/" + rate.model(), "model", 0, rate.provider(),
                        new Pricing(rate.inputPerMillion(), rate.outputPerMillion())))
                .toList());
    }
}
