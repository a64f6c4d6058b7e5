package io.tollgate.gateway.providers.admin;

import io.tollgate.gateway.edge.ClientText;
import io.tollgate.gateway.edge.EdgeText;

import io.tollgate.gateway.auth.AdminAction;
import io.tollgate.gateway.auth.AdminAudit;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.catalogue.ModelCatalogue;
import io.tollgate.gateway.credentials.CredentialStore;
import io.tollgate.gateway.credentials.CredentialTester;
import io.tollgate.gateway.credentials.WeightedCredentialPool;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.providers.ProviderRegistry;
import io.tollgate.gateway.providers.UpstreamHosts;
import io.tollgate.gateway.providers.WireFormat;
import io.tollgate.gateway.providers.bedrock.BedrockCredential;
import io.tollgate.gateway.rates.ModelRates;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import org.springframework.http.HttpStatus;
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
import java.util.Optional;

/** Admin API for upstreams and what their models cost. */
@RestController
@RequestMapping("/admin")
class ProviderAdminController {
    private final ProviderRegistry registry;
    private final ModelRates rates;

    private final WeightedCredentialPool pool;
    private final ModelCatalogue catalogue;
    private final AdminAudit audit;
    private final UpstreamHosts hosts;
    private final CredentialStore credentials;
    private final CredentialTester tester;

    ProviderAdminController(ProviderRegistry registry, ModelRates rates, WeightedCredentialPool pool,
                            ModelCatalogue catalogue, AdminAudit audit, UpstreamHosts hosts,
                            CredentialStore credentials, CredentialTester tester) {
        this.audit = audit;
        this.hosts = hosts;
        this.credentials = credentials;
        this.tester = tester;
        this.registry = registry;
        this.rates = rates;
        this.pool = pool;
        this.catalogue = catalogue;
    }

    /**
     * With apiKey the provider's credentials become exactly that key (untested, weight 1); without it (allowed
     * once the provider has a credential) only the provider changes. More keys: /admin/providers/{name}/credentials.
     * A new baseUrl without apiKey would send the stored keys somewhere new: it needs an allow-list of hosts
     * ({@code tollgate.upstream.allowed-hosts}) naming the new host, and every active key must pass a test
     * there first; without an allow-list, send the apiKey with the new address.
     */
    record ProviderRequest(@EdgeText String kind, @EdgeText String wireFormat,
                           @EdgeText(max = ClientText.LONG_MAX) String baseUrl,
                           @EdgeText(max = ClientText.LONG_MAX) String apiKey) {
        @Override
        public String toString() {
            return "ProviderRequest[kind=" + kind + ", wireFormat=" + wireFormat + ", baseUrl=" + baseUrl + "]";
        }
    }

    /**
     * Prices in credits (at most 6 decimals). Optional: cachedInputPerMillion (default: the input price),
     * perImage, embeddingPerMillion, perAudioSecond (transcription, per second of input audio) and
     * perSpeechCharacter (speech, per character of input text) (default 0, not priced), effectiveFrom (an ISO instant; default now,
     * at most a year back, may lie in the future to schedule a change). A PUT replaces the whole price list
     * from effectiveFrom on; requests keep the rate they were reserved at.
     */
    record RateRequest(@NotNull @PositiveOrZero BigDecimal inputPerMillion,
                       @NotNull @PositiveOrZero BigDecimal outputPerMillion,
                       @PositiveOrZero BigDecimal cachedInputPerMillion,
                       @PositiveOrZero BigDecimal perImage,
                       @PositiveOrZero BigDecimal embeddingPerMillion,
                       @PositiveOrZero BigDecimal perAudioSecond,
                       @PositiveOrZero BigDecimal perSpeechCharacter,
                       Instant effectiveFrom) {
    }

    @PutMapping("/providers/{name}")
    ProviderRegistry.ProviderView register(@PathVariable String name, @Valid @RequestBody ProviderRequest request,
                                           @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        Optional<ModelCatalogue.ProviderKind> kind = Optional.ofNullable(request.kind()).map(k -> catalogue.kind(k)
                .orElseThrow(() -> GatewayException.badRequest("unknown kind '" + k + "'; GET /admin/catalogue lists them")));
        WireFormat wireFormat = request.wireFormat() != null ? WireFormat.parse(request.wireFormat())
                : kind.map(ModelCatalogue.ProviderKind::wireFormat).orElseThrow(() -> GatewayException.badRequest(
                "Send a 'kind' (openai, anthropic, google, deepseek, …) or a 'wireFormat' (openai, anthropic, gemini, bedrock, ideogram)."));
        URI baseUrl = request.baseUrl() != null ? URI.create(request.baseUrl())
                : kind.map(ModelCatalogue.ProviderKind::defaultBaseUrl).orElseThrow(() -> GatewayException.badRequest(
                "'baseUrl' is required for this provider."));
        if (!"http".equals(baseUrl.getScheme()) && !"https".equals(baseUrl.getScheme())) {
            throw new IllegalArgumentException("baseUrl must be an http or https URL");
        }
        hosts.requireAllowed(baseUrl);
        Optional<ProviderRegistry.ProviderView> before = registry.view(name);
        boolean existed = before.isPresent();
        boolean moved = existed && !sameAddress(URI.create(before.get().baseUrl()), baseUrl);
        boolean newKey = request.apiKey() != null && !request.apiKey().isBlank();
        if (newKey) {
            BedrockCredential.requireWellFormed(wireFormat, request.apiKey());
        }
        if (moved && !newKey) {
            retestStoredKeysAt(name, wireFormat, baseUrl);
        }
        ProviderRegistry.ProviderView registered = registry.register(name, wireFormat, baseUrl, request.apiKey());
        audit.record(admin, new AdminAction.ProviderChanged(name, registered.wireFormat(), registered.baseUrl(),
                moved ? "address_changed" : existed ? "updated" : "registered"));
        if (request.apiKey() != null && !registered.credentials().isEmpty()) {
            var credential = registered.credentials().getFirst();
            audit.record(admin, new AdminAction.CredentialChanged(name, credential.id(), existed ? "replaced" : "added",
                    credential.masked()));
        }
        return withLocalState(registered);
    }

    /**
     * The stored keys may follow the provider to a new address only on the operator's allow-list, and only
     * when the provider there accepts every one of them: otherwise nothing changes.
     */
    private void retestStoredKeysAt(String provider, WireFormat wireFormat, URI baseUrl) {
        if (!hosts.restricted()) {
            throw new GatewayException(HttpStatus.BAD_REQUEST, "invalid_request_error", "api_key_required",
                    "Changing baseUrl would send this provider's stored keys to a new address: send the apiKey for "
                            + "the new address with it, or name the hosts stored keys may move to in "
                            + "tollgate.upstream.allowed-hosts (TOLLGATE_UPSTREAM_ALLOWED_HOSTS).");
        }
        for (var view : registry.credentialViews(provider)) {
            if (!"active".equals(view.status())) {
                continue;
            }
            var stored = credentials.find(provider, view.id()).orElse(null);
            if (stored == null || stored.secret() == null) {
                continue;
            }
            var result = tester.test(wireFormat, baseUrl, stored.secret());
            if (result.verdict() != CredentialTester.Verdict.VALID) {
                throw new GatewayException(HttpStatus.UNPROCESSABLE_ENTITY, "invalid_request_error",
                        "credential_rejected", "Credential " + view.id() + " (" + view.masked() + ") does not work at "
                        + "the new address: " + result.message() + " Nothing was changed.");
            }
        }
    }

    private static boolean sameAddress(URI a, URI b) {
        return stripTrailingSlash(a.toString()).equals(stripTrailingSlash(b.toString()));
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    @GetMapping("/providers")
    List<ProviderRegistry.ProviderView> providers() {
        return registry.list().stream().map(this::withLocalState).toList();
    }

    @GetMapping("/providers/{name}")
    ProviderRegistry.ProviderView provider(@PathVariable String name) {
        return registry.view(name).map(this::withLocalState).orElseThrow(() -> GatewayException.notFound(
                "provider_not_found", "No provider '" + name + "' is registered."));
    }

    /** The stored view with this instance's cool-downs and recent uses on top. */
    private ProviderRegistry.ProviderView withLocalState(ProviderRegistry.ProviderView view) {
        return new ProviderRegistry.ProviderView(view.name(), view.wireFormat(), view.baseUrl(), view.enabled(),
                view.credentials().stream().map(credential -> {
                    var local = pool.localState(view.name(), credential.id());
                    return credential.withLocalState(local.coolingUntil(), local.lastUsed(), local.lastError(),
                            local.lastErrorAt());
                }).toList());
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
                request.embeddingPerMillion(), request.perAudioSecond(), request.perSpeechCharacter(),
                request.effectiveFrom()), admin.keyId());
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
