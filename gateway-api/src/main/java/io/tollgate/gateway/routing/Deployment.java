package io.tollgate.gateway.routing;

import io.tollgate.gateway.providers.Provider;
import io.tollgate.gateway.rates.ModelRates;

/** One place a model can be called: a provider, the provider's own name for the model, and its prices. */
public record Deployment(Provider provider, String model, ModelRates.RateVersion prices) {

    public String qualifiedName() {
        return provider.name() + "/" + model;
    }
}
