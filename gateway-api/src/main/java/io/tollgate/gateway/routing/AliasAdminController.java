package io.tollgate.gateway.routing;

import io.tollgate.gateway.edge.EdgeText;

import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.providers.ProviderRegistry;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

/** Admin API for aliases: PUT /admin/aliases/{alias} {"deployments":[{"provider","model"},…]} in failover order. */
@RestController
@RequestMapping("/admin/aliases")
class AliasAdminController {
    private final ModelAliases aliases;
    private final ProviderRegistry providers;
    private final ModelRouter router;

    AliasAdminController(ModelAliases aliases, ProviderRegistry providers, ModelRouter router) {
        this.aliases = aliases;
        this.providers = providers;
        this.router = router;
    }

    record AliasRequest(@NotEmpty List<@Valid @NotNull DeploymentRequest> deployments) {
    }

    record DeploymentRequest(@NotBlank @EdgeText String provider, @NotBlank @EdgeText String model) {
    }

    record AliasView(String alias, List<ModelAliases.Target> deployments) {
    }

    @PutMapping("/{alias}")
    AliasView set(@PathVariable String alias, @Valid @RequestBody AliasRequest request,
                  @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        if (alias.contains("/") && providers.find(alias.substring(0, alias.indexOf('/'))).isPresent()) {
            throw GatewayException.badRequest("An alias must not start with a provider's name and '/'.");
        }
        for (DeploymentRequest deployment : request.deployments()) {
            if (providers.find(deployment.provider()).isEmpty()) {
                throw GatewayException.badRequest("unknown provider '" + deployment.provider() + "'");
            }
        }
        var targets = aliases.set(alias, request.deployments().stream()
                .map(d -> new ModelAliases.Target(d.provider(), d.model())).toList(), admin.keyId());
        router.refresh();
        return new AliasView(alias, targets);
    }

    @GetMapping
    List<AliasView> list() {
        return aliases.all().entrySet().stream().map(e -> new AliasView(e.getKey(), e.getValue())).toList();
    }

    @DeleteMapping("/{alias}")
    ResponseEntity<Void> delete(@PathVariable String alias) {
        if (!aliases.delete(alias)) {
            throw GatewayException.notFound("alias_not_found", "No alias '" + alias + "'.");
        }
        router.refresh();
        return ResponseEntity.status(HttpStatus.NO_CONTENT).build();
    }

    @GetMapping("/{alias}")
    AliasView get(@PathVariable String alias) {
        var targets = aliases.targets(alias);
        if (targets.isEmpty()) {
            throw GatewayException.notFound("alias_not_found", "No alias '" + alias + "'.");
        }
        return new AliasView(alias, targets);
    }
}
