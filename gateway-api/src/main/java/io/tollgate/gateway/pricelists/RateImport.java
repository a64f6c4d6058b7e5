package io.tollgate.gateway.pricelists;

import io.tollgate.events.support.Credits;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.rates.ModelRates;
import io.tollgate.gateway.routing.ModelRouter;
import org.springframework.stereotype.Component;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Sets a provider's rates from a public price list: each listed price times the markup becomes the model's
 * rate, compared with the rate in force first. Only models whose rate differs get a new version (an
 * effective-dated ModelRateSet through {@link ModelRates#set}, as a PUT of the admin API would), so importing
 * the same list twice writes nothing the second time, and re-running an import that stopped half-way
 * finishes it. Every selected entry is checked before the first version is written.
 */
@Component
class RateImport {
    /** A markup above this is a typo (a percentage where a factor was meant), not a margin. */
    static final BigDecimal MAX_MARKUP = new BigDecimal("100");
    /** As far back as the rate card lets a version be dated. */
    static final Duration MAX_BACKDATING = Duration.ofDays(365);

    private final ModelRates rates;
    private final ModelRouter router;

    RateImport(ModelRates rates, ModelRouter router) {
        this.rates = rates;
        this.router = router;
    }

    /** Prices in credits as the rates API shows them: per million tokens, or per image. */
    public record Prices(BigDecimal inputPerMillion, BigDecimal outputPerMillion, BigDecimal cachedInputPerMillion,
                         BigDecimal perImage, BigDecimal embeddingPerMillion) {
    }

    /**
     * @param change "added" (no rate in force before), "changed" or "unchanged"
     * @param before the rate in force at the import's instant, null when added
     */
    public record ModelChange(String model, String key, String mode, String change, Prices before, Prices after) {
    }

    public record Summary(int added, int changed, int unchanged, int skipped) {
    }

    public record Report(String provider, String litellmProvider, BigDecimal markup, boolean dryRun,
                         Instant effectiveFrom, Summary summary, List<ModelChange> changes,
                         List<LiteLlmPriceList.Skipped> skipped) {
    }

    /**
     * @param effectiveFrom when the new versions take effect; null is now (one instant for the whole import)
     * @param actor         recorded on every ModelRateSet, as the rates API does
     */
    public Report run(String provider, byte[] document, String litellmProvider, BigDecimal markup, boolean dryRun,
                      Instant effectiveFrom, String actor) {
        if (markup.signum() <= 0 || markup.compareTo(MAX_MARKUP) > 0) {
            throw GatewayException.badRequest("'markup' is a factor above 0 and at most " + MAX_MARKUP
                    + " (1.2 adds 20%), not " + markup.toPlainString() + ".");
        }
        Instant at = (effectiveFrom != null ? effectiveFrom : Instant.now()).truncatedTo(ChronoUnit.MICROS);
        if (at.isBefore(Instant.now().minus(MAX_BACKDATING))) {
            // The rate card refuses such a version; refused here, before the first model is written.
            throw GatewayException.badRequest("'effectiveFrom' may be at most " + MAX_BACKDATING.toDays()
                    + " days in the past: " + at + ".");
        }
        LiteLlmPriceList.Selection selection = LiteLlmPriceList.select(document, litellmProvider);
        Map<String, ModelRates.RateVersion> inForce = rates.inForceAt(provider, at);

        List<ModelChange> changes = new ArrayList<>();
        int added = 0;
        int changed = 0;
        for (LiteLlmPriceList.ListedPrice listed : selection.prices()) {
            Micros after = withMarkup(listed, markup);
            ModelRates.RateVersion current = inForce.get(listed.model());
            Micros before = current == null ? null : new Micros(current.inputMicrosPerMillion(),
                    current.outputMicrosPerMillion(), current.cachedInputMicrosPerMillion(), current.imageMicros(),
                    current.embeddingMicrosPerMillion());
            String change = before == null ? "added" : before.equals(after) ? "unchanged" : "changed";
            if (before == null) {
                added++;
            } else if (!before.equals(after)) {
                changed++;
            }
            changes.add(new ModelChange(listed.model(), listed.key(), listed.mode(), change,
                    before == null ? null : before.credits(), after.credits()));
        }
        if (!dryRun) {
            for (ModelChange change : changes) {
                if (!change.change().equals("unchanged")) {
                    Prices after = change.after();
                    rates.set(provider, change.model(), new ModelRates.RateChange(after.inputPerMillion(),
                            after.outputPerMillion(), after.cachedInputPerMillion(), after.perImage(),
                            after.embeddingPerMillion(), at), actor);
                }
            }
            router.refresh();
        }
        Summary summary = new Summary(added, changed, changes.size() - added - changed, selection.skipped().size());
        return new Report(provider, litellmProvider, markup, dryRun, at, summary, changes, selection.skipped());
    }

    /** A rate in micro-credits, as stored: what "unchanged" compares. */
    private record Micros(long input, long output, long cachedInput, long image, long embedding) {
        Prices credits() {
            return new Prices(Credits.toCredits(input), Credits.toCredits(output), Credits.toCredits(cachedInput),
                    Credits.toCredits(image), Credits.toCredits(embedding));
        }
    }

    /**
     * List price × markup in micro-credits. Credits are USD one to one; a fraction of a micro-credit is rounded
     * up, so that no rate falls below the list price times the markup. Cached input without a listed price
     * costs what input costs, as in the rates API.
     */
    private static Micros withMarkup(LiteLlmPriceList.ListedPrice listed, BigDecimal markup) {
        long input = micros(listed.inputPerMillion(), markup);
        return new Micros(input, micros(listed.outputPerMillion(), markup),
                listed.cachedInputPerMillion() == null ? input : micros(listed.cachedInputPerMillion(), markup),
                micros(listed.perImage(), markup), micros(listed.embeddingPerMillion(), markup));
    }

    private static long micros(BigDecimal credits, BigDecimal markup) {
        if (credits == null) {
            return 0;
        }
        return Credits.micros(credits.multiply(markup).setScale(6, RoundingMode.CEILING));
    }
}
