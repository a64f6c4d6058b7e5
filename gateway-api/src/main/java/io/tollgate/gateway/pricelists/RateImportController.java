package io.tollgate.gateway.pricelists;

import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.catalogue.ModelCatalogue;
import io.tollgate.gateway.edge.ClientText;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.providers.ProviderRegistry;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * {@code POST /admin/rates/import?provider=P&markup=1.2&dryRun=true} with a LiteLLM price list as the body:
 * the changes to P's rates as a diff, written as rate versions unless it is a dry run.
 */
@RestController
@RequestMapping("/admin/rates")
class RateImportController {
    private final RateImport rateImport;
    private final ProviderRegistry providers;
    private final ModelCatalogue catalogue;

    RateImportController(RateImport rateImport, ProviderRegistry providers, ModelCatalogue catalogue) {
        this.rateImport = rateImport;
        this.providers = providers;
        this.catalogue = catalogue;
    }

    /**
     * @param provider        the registered provider whose rates are set
     * @param markup          a factor on every list price (default 1)
     * @param litellmProvider whose entries to take (default: the one of the provider's catalogue kind)
     * @param dryRun          only report the changes
     * @param effectiveFrom   an ISO instant the new versions take effect at (default now)
     */
    @PostMapping("/import")
    RateImport.Report importPriceList(@RequestParam String provider,
                                      @RequestParam(defaultValue = "1") String markup,
                                      @RequestParam(required = false) String litellmProvider,
                                      @RequestParam(defaultValue = "false") boolean dryRun,
                                      @RequestParam(required = false) String effectiveFrom,
                                      @RequestBody(required = false) byte[] priceList,
                                      @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        var registered = providers.view(provider).orElseThrow(() -> GatewayException.badRequest(
                "unknown provider " + LiteLlmPriceList.quoted(provider) + "; register it first"));
        String source = litellmProvider;
        if (source == null) {
            source = catalogue.kindOf(provider, URI.create(registered.baseUrl()))
                    .map(ModelCatalogue.ProviderKind::litellmProvider)
                    .orElseThrow(() -> GatewayException.badRequest("Provider '" + provider + "' is of no catalogue "
                            + "kind LiteLLM lists; name the entries to take with 'litellmProvider'."));
        } else if (source.isBlank()) {
            throw GatewayException.badRequest("'litellmProvider' must be a provider name as LiteLLM spells it.");
        } else {
            ClientText.require("litellmProvider", source, ClientText.NAME_MAX);
        }
        return rateImport.run(provider, priceList, source, decimal(markup), dryRun, instant(effectiveFrom),
                admin.keyId());
    }

    private static BigDecimal decimal(String markup) {
        try {
            return new BigDecimal(markup.trim());
        } catch (NumberFormatException e) {
            throw GatewayException.badRequest("'markup' must be a decimal factor such as 1.2.");
        }
    }

    private static Instant instant(String effectiveFrom) {
        if (effectiveFrom == null) {
            return null;
        }
        try {
            return Instant.parse(effectiveFrom);
        } catch (DateTimeParseException e) {
            throw GatewayException.badRequest("'effectiveFrom' must be an ISO instant such as 2026-12-01T00:00:00Z.");
        }
    }
}
