package io.tollgate.gateway.providers;

import io.tollgate.gateway.rates.ModelRates;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.net.URI;
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

    record RateRequest(@NotNull @PositiveOrZero BigDecimal inputPerMillion,
                       @NotNull @PositiveOrZero BigDecimal outputPerMillion) {
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
                                @Valid @RequestBody RateRequest request) {
        if (registry.find(provider).isEmpty()) {
            throw new IllegalArgumentException("unknown provider '" + provider + "'");
        }
        return rates.set(provider, model, request.inputPerMillion(), request.outputPerMillion());
    }

    @GetMapping("/rates")
    List<ModelRates.RateView> rates() {
        return rates.callable();
    }
}
