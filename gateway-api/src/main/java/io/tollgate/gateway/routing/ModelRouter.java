package io.tollgate.gateway.routing;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.tollgate.gateway.edge.ClientText;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.providers.Provider;
import io.tollgate.gateway.providers.ProviderRegistry;
import io.tollgate.gateway.rates.ModelRates;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Resolves the model a client names to the deployments that may answer it, in the order they are tried:
 * {@code provider/model} is exactly one deployment; an alias lists its deployments in priority order;
 * any other name is served by every enabled provider that has a rate for it, in provider-name order.
 * Only deployments with a rate in force are returned: nothing is called that cannot be billed.
 */
@Component
public class ModelRouter {
    private final ProviderRegistry providers;
    private final ModelRates rates;
    private final ModelAliases aliases;
    private final JdbcClient jdbc;
    /** Bare model name → providers that have a rate for it; refreshed like the other registries. */
    private final LoadingCache<String, List<String>> providersByModel;

    public ModelRouter(ProviderRegistry providers, ModelRates rates, ModelAliases aliases, JdbcClient jdbc) {
        this.providers = providers;
        this.rates = rates;
        this.aliases = aliases;
        this.jdbc = jdbc;
        this.providersByModel = Caffeine.newBuilder()
                .maximumSize(10_000)
                .refreshAfterWrite(Duration.ofSeconds(5))
                .expireAfterWrite(Duration.ofMinutes(1))
                .build(this::providersWithRateFor);
    }

    public static GatewayException invalidModel() {
        return new GatewayException(HttpStatus.BAD_REQUEST, "invalid_request_error", "invalid_model",
                "The model name must be 1 to " + ClientText.NAME_MAX + " characters without control characters.");
    }

    public List<Deployment> resolve(String requested) {
        if (requested == null || requested.isBlank()) {
            throw GatewayException.badRequest("you must provide a model parameter");
        }
        // Every caller (chat, embeddings, images, token counting, AIGNE status) resolves through here: a name that
        // PostgreSQL would refuse (NUL) or an index could not hold never reaches a lookup, an event or a row.
        if (!ClientText.acceptable(requested, ClientText.NAME_MAX)) {
            throw invalidModel();
        }
        int slash = requested.indexOf('/');
        if (slash > 0 && slash < requested.length() - 1) {
            Optional<Provider> provider = providers.find(requested.substring(0, slash));
            if (provider.isPresent()) {
                String model = requested.substring(slash + 1);
                return List.of(deployment(provider.get(), model).orElseThrow(() -> notFound(requested,
                        "it has no rate")));
            }
        }
        List<ModelAliases.Target> targets = aliases.targets(requested);
        List<Deployment> deployments = new ArrayList<>();
        if (!targets.isEmpty()) {
            for (ModelAliases.Target target : targets) {
                providers.find(target.provider()).flatMap(p -> deployment(p, target.model())).ifPresent(deployments::add);
            }
        } else {
            for (String providerName : providersByModel.get(requested)) {
                providers.find(providerName).flatMap(p -> deployment(p, requested)).ifPresent(deployments::add);
            }
        }
        if (deployments.isEmpty()) {
            throw notFound(requested, slash > 0 ? "no provider '" + requested.substring(0, slash)
                    + "' is registered and no alias has that name" : "no enabled provider serves it");
        }
        return List.copyOf(deployments);
    }

    /** Forgets what it learnt about bare model names, after an admin changed rates or aliases. */
    public void refresh() {
        providersByModel.invalidateAll();
    }

    private Optional<Deployment> deployment(Provider provider, String model) {
        return rates.priceList(provider.name(), model).map(prices -> new Deployment(provider, model, prices));
    }

    private List<String> providersWithRateFor(String model) {
        return jdbc.sql("""
                        select distinct r.provider from gateway.model_rate_versions r
                        join gateway.providers p on p.name = r.provider
                        where p.enabled and r.model = ? and r.effective_from <= ?
                        order by r.provider""")
                .params(model, Instant.now().atOffset(ZoneOffset.UTC))
                .query(String.class)
                .list();
    }

    private static GatewayException notFound(String requested, String why) {
        return GatewayException.notFound("model_not_found", "The model '" + requested + "' is not available: "
                + why + ". Name models as 'provider/model' (e.g. 'openai/gpt-4o'), by an alias, or by a name "
                + "some provider serves; GET /v1/models lists them.");
    }
}
