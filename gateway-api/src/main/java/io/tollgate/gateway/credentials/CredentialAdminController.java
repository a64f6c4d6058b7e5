package io.tollgate.gateway.credentials;

import io.tollgate.gateway.edge.ClientText;
import io.tollgate.gateway.edge.EdgeText;

import io.tollgate.gateway.auth.AdminAction;
import io.tollgate.gateway.auth.AdminAudit;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.providers.ProviderRegistry.CredentialView;
import io.tollgate.gateway.providers.ProviderRegistry;
import io.tollgate.gateway.providers.bedrock.BedrockCredential;
import io.tollgate.gateway.providers.WireFormat;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.net.URI;
import java.util.List;

/**
 * Admin API for a provider's credentials. Keys are tested against the provider before they are stored
 * (unless {@code "test": false}), and are only ever shown masked to their first and last four characters.
 */
@RestController
@RequestMapping("/admin/providers/{name}/credentials")
class CredentialAdminController {
    private final ProviderRegistry registry;
    private final CredentialStore store;
    private final CredentialTester tester;
    private final WeightedCredentialPool pool;
    private final AdminAudit audit;

    CredentialAdminController(ProviderRegistry registry, CredentialStore store, CredentialTester tester,
                              WeightedCredentialPool pool, AdminAudit audit) {
        this.audit = audit;
        this.registry = registry;
        this.store = store;
        this.tester = tester;
        this.pool = pool;
    }

    /** weight 1..1000 (default 1), test (default true): call the provider with the key before storing it. */
    record AddCredential(@NotBlank @EdgeText(max = ClientText.LONG_MAX) String apiKey, @Min(1) @Max(CredentialStore.MAX_WEIGHT) Integer weight,
                         @Size(max = 200) @EdgeText String name, Boolean test) {
        @Override
        public String toString() {
            return "AddCredential[name=" + name + ", weight=" + weight + "]";
        }
    }

    /** Each field optional: only what is given changes. */
    record UpdateCredential(@Min(1) @Max(CredentialStore.MAX_WEIGHT) Integer weight, @Size(max = 200) @EdgeText String name,
                            Boolean enabled) {
    }

    record TestView(String verdict, int httpStatus, String message) {
        static TestView of(CredentialTester.Result result) {
            return new TestView(result.verdict().name().toLowerCase(), result.httpStatus(), result.message());
        }
    }

    record TestedCredential(CredentialView credential, TestView test) {
    }

    @GetMapping
    List<CredentialView> list(@PathVariable("name") String provider) {
        requireProvider(provider);
        return store.list(provider).stream().map(view -> withLocalState(provider, view)).toList();
    }

    @GetMapping("/{id}")
    CredentialView get(@PathVariable("name") String provider, @PathVariable String id) {
        requireProvider(provider);
        return store.view(provider, id).map(view -> withLocalState(provider, view)).orElseThrow(() -> unknown(id));
    }

    @PostMapping
    ResponseEntity<CredentialView> add(@PathVariable("name") String provider, @Valid @RequestBody AddCredential request,
                                       @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        var stored = requireProvider(provider);
        boolean test = request.test() == null || request.test();
        BedrockCredential.requireWellFormed(WireFormat.parse(stored.wireFormat()), request.apiKey());
        if (test) {
            var result = tester.test(WireFormat.parse(stored.wireFormat()), URI.create(stored.baseUrl()),
                    request.apiKey());
            if (result.verdict() != CredentialTester.Verdict.VALID) {
                throw failed(result, result.verdict() == CredentialTester.Verdict.REJECTED ? " Nothing was stored."
                        : " Nothing was stored; send \"test\": false to store the key untested.");
            }
        }
        CredentialView view = store.add(provider, blankToNull(request.name()), request.apiKey(),
                request.weight() == null ? 1 : request.weight(), test);
        audit.record(admin, new AdminAction.CredentialChanged(provider, view.id(), "added", view.masked()));
        return ResponseEntity.status(HttpStatus.CREATED).body(view);
    }

    @PatchMapping("/{id}")
    CredentialView update(@PathVariable("name") String provider, @PathVariable String id,
                          @Valid @RequestBody UpdateCredential request,
                          @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        requireProvider(provider);
        CredentialView updated = store.update(provider, id, request.weight(), blankToNull(request.name()),
                        request.enabled())
                .map(view -> withLocalState(provider, view))
                .orElseThrow(() -> unknown(id));
        String change = request.enabled() == null ? "updated" : request.enabled() ? "enabled" : "disabled";
        audit.record(admin, new AdminAction.CredentialChanged(provider, id, change, updated.masked()));
        return updated;
    }

    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(@PathVariable("name") String provider, @PathVariable String id,
                                @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        requireProvider(provider);
        String masked = store.view(provider, id).map(CredentialView::masked).orElse(null);
        if (!store.delete(provider, id)) {
            throw unknown(id);
        }
        audit.record(admin, new AdminAction.CredentialChanged(provider, id, "removed", masked));
        return ResponseEntity.noContent().build();
    }

    /**
     * Tests a stored credential against its provider. Accepted: 200, and a credential the provider had refused
     * is enabled again. Refused: 422, and an active credential is disabled. No answer: 502.
     */
    @PostMapping("/{id}/test")
    TestedCredential test(@PathVariable("name") String provider, @PathVariable String id) {
        var stored = requireProvider(provider);
        var credential = store.find(provider, id).orElseThrow(() -> unknown(id));
        var result = tester.test(WireFormat.parse(stored.wireFormat()), URI.create(stored.baseUrl()),
                credential.secret());
        switch (result.verdict()) {
            case VALID -> {
                store.recordCheck(id, null);
                if ("provider".equals(credential.disabledBy())) {
                    store.enableAfterCheck(provider, id);
                }
            }
            case REJECTED -> {
                if ("active".equals(credential.status())) {
                    store.disableRejected(provider, id, result.message());
                    throw failed(result, " The credential is now disabled.");
                }
                store.recordCheck(id, result.message());
                throw failed(result, "");
            }
            default -> {
                store.recordCheck(id, result.message());
                throw failed(result, "");
            }
        }
        return new TestedCredential(get(provider, id), TestView.of(result));
    }

    private CredentialView withLocalState(String provider, CredentialView view) {
        var local = pool.localState(provider, view.id());
        return view.withLocalState(local.coolingUntil(), local.lastUsed(), local.lastError(), local.lastErrorAt());
    }

    private ProviderRegistry.ProviderView requireProvider(String provider) {
        return registry.view(provider).orElseThrow(() -> GatewayException.notFound("provider_not_found",
                "No provider '" + provider + "' is registered."));
    }

    private static GatewayException unknown(String id) {
        return GatewayException.notFound("credential_not_found", "No credential '" + id + "' for this provider.");
    }

    private static GatewayException failed(CredentialTester.Result result, String consequence) {
        return switch (result.verdict()) {
            case REJECTED -> new GatewayException(HttpStatus.UNPROCESSABLE_ENTITY, "invalid_request_error",
                    "credential_rejected", result.message() + consequence);
            case UNREACHABLE -> new GatewayException(HttpStatus.BAD_GATEWAY, "upstream_error",
                    "provider_unreachable", result.message() + consequence);
            default -> new GatewayException(HttpStatus.BAD_GATEWAY, "upstream_error",
                    "credential_test_inconclusive", result.message() + consequence);
        };
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
