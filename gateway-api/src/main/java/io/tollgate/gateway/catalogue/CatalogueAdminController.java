package io.tollgate.gateway.catalogue;

import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.providers.ProviderRegistry;
import io.tollgate.gateway.rates.ModelRates;
import io.tollgate.gateway.routing.ModelRouter;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * Admin API for the built-in catalogue: list the provider kinds with their models and list prices, and
 * seed a registered provider's rates from its kind's list ({@code POST /admin/catalogue/{kind}/seed?provider=}).
 */
@RestController
@RequestMapping("/admin/catalogue")
class CatalogueAdminController {
    private final ModelCatalogue catalogue;
    private final ProviderRegistry providers;
    private final ModelRates rates;
    private final ModelRouter router;

    CatalogueAdminController(ModelCatalogue catalogue, ProviderRegistry providers, ModelRates rates,
                             ModelRouter router) {
        this.catalogue = catalogue;
        this.providers = providers;
        this.rates = rates;
        this.router = router;
    }

    @GetMapping
    ModelCatalogue.Collection catalogue() {
        return catalogue.kinds();
    }

    /**
     * Sets the rate of every listed model of the kind on the provider, from now on.
     *
     * @param provider the registered provider to price (default: a provider named like the kind)
     * @param markup   a factor applied to every list price, e.g. 1.2 for a 20% margin (default 1)
     */
    @PostMapping("/{kind}/seed")
    List<ModelRates.RateView> seed(@PathVariable String kind, @RequestParam(required = false) String provider,
                                   @RequestParam(defaultValue = "1") BigDecimal markup,
                                   @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        ModelCatalogue.ProviderKind listed = catalogue.kind(kind).orElseThrow(() -> GatewayException.notFound(
                "kind_not_found", "No provider kind '" + kind + "' in the catalogue."));
        String target = provider != null ? provider : kind;
        if (providers.find(target).isEmpty()) {
            throw GatewayException.badRequest("unknown provider '" + target + "'; register it first");
        }
        if (markup.signum() <= 0) {
            throw GatewayException.badRequest("'markup' must be positive.");
        }
        List<ModelRates.RateView> seeded = listed.models().stream()
                .map(model -> rates.set(target, model.model(), new ModelRates.RateChange(
                        times(model.inputPerMillion(), markup), times(model.outputPerMillion(), markup),
                        times(model.cachedInputPerMillion(), markup), times(model.perImage(), markup),
                        times(model.embeddingPerMillion(), markup), times(model.perAudioSecond(), markup),
                        times(model.perSpeechCharacter(), markup), null), admin.keyId()))
                .toList();
        router.refresh();
        return seeded;
    }

    private static BigDecimal times(BigDecimal price, BigDecimal markup) {
        return price == null ? null : price.multiply(markup).setScale(6, RoundingMode.HALF_UP);
    }
}
