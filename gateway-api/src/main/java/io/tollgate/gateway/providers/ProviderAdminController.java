package io.tollgate.gateway.providers;

import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.rates.ModelRates;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;
import java.util.List;

/** Admin API for upstreams and what their models cost. */
@RestController
@RequestMapping("/admin")
class ProviderAdminController {
    private final ProviderRegistry registry;
    private final ModelRates rates;

    ProviderAdminController(ProviderRegistry registry, ModelRates rates) {
        this.registry = registry;
        this.rates = rates;
    }

    record ProviderRequest(@NotBlank String wireFormat, @NotBlank String baseUrl, @NotBlank String apiKey) {
    }

    /**
     * Prices in credits (at most 6 decimals). Optional: cachedInputPerMillion (default: the input price),
     * perImage and embeddingPerMillion (default 0, not priced), effectiveFrom (an ISO instant; default now,
     * at most a year back, may lie in the future to schedule a change). A PUT replaces the whole price list
     * from effectiveFrom on; requests keep the rate they were reserved at.
     */
    record RateRequest(@NotNull @PositiveOrZero BigDecimal inputPerMillion,
                       @NotNull @PositiveOrZero BigDecimal outputPerMillion,
                       @PositiveOrZero BigDecimal cachedInputPerMillion,
                       @PositiveOrZero BigDecimal perImage,
                       @PositiveOrZero BigDecimal embeddingPerMillion,
                       Instant effectiveFrom) {
    }

    @PutMapping("/providers/{name}")
    ProviderRegistry.ProviderView register(@PathVariable String name, @Valid @RequestBody ProviderRequest request) {
        URI baseUrl = URI.create(request.baseUrl());
        if (!"http".equals(baseUrl.getScheme()) && !"https".equals(baseUrl.getScheme())) {
            throw new IllegalArgumentException("baseUrl must be an http or https URL");
        }
        return registry.register(name, WireFormat.parse(request.wireFormat()), baseUrl, request.apiKey());
    }

    @GetMapping("/providers")
    List<ProviderRegistry.ProviderView> providers() {
        return registry.list();
    }

    @PutMapping("/rates/{provider}/{model}")
    ModelRates.RateView setRate(@PathVariable String provider, @PathVariable String model,
                                @Valid @RequestBody RateRequest request,
                                @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        if (registry.find(provider).isEmpty()) {
            throw new IllegalArgumentException("unknown provider '" + provider + "'");
        }
        return rates.set(provider, model, new ModelRates.RateChange(request.inputPerMillion(),
                request.outputPerMillion(), request.cachedInputPerMillion(), request.perImage(),
                request.embeddingPerMillion(), request.effectiveFrom()), admin.keyId());
    }

    /** The rates in force now, of models whose provider is enabled. */
    @GetMapping("/rates")
    List<ModelRates.RateView> rates() {
        return rates.callable();
    }

    /** Every version of a model's rate: past, in force and scheduled. */
    @GetMapping("/rates/{provider}/{model}/versions")
    List<ModelRates.RateView> rateVersions(@PathVariable String provider, @PathVariable String model) {
        return rates.history(provider, model);
    }
}
