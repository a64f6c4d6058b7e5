package io.tollgate.gateway.rates;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.tollgate.events.Credits;
import io.tollgate.ledger.credits.ModelRate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** What a model costs, per provider. A model without a rate cannot be called. */
@Component
public class ModelRates {
    private final JdbcClient jdbc;
    private final LoadingCache<ModelKey, Optional<ModelRate>> rates;

    public ModelRates(JdbcClient jdbc) {
        this.jdbc = jdbc;
        this.rates = Caffeine.newBuilder()
                .refreshAfterWrite(Duration.ofSeconds(5))
                .expireAfterWrite(Duration.ofMinutes(1))
                .build(this::load);
    }

    public record ModelKey(String provider, String model) {
    }

    /** A rate as the admin API shows it: credits per million tokens. */
    public record RateView(String provider, String model, BigDecimal inputPerMillion, BigDecimal outputPerMillion) {
    }

    public Optional<ModelRate> find(String provider, String model) {
        return rates.get(new ModelKey(provider, model));
    }

    public RateView set(String provider, String model, BigDecimal inputPerMillion, BigDecimal outputPerMillion) {
        var rate = new ModelRate(Credits.micros(inputPerMillion), Credits.micros(outputPerMillion));
        jdbc.sql("""
                        insert into gateway.model_rates (provider, model, input_micros_per_million, output_micros_per_million)
                        values (?, ?, ?, ?)
                        on conflict (provider, model) do update set
                            input_micros_per_million = excluded.input_micros_per_million,
                            output_micros_per_million = excluded.output_micros_per_million,
                            updated_at = now()""")
                .params(provider, model, rate.inputMicrosPerMillion(), rate.outputMicrosPerMillion())
                .update();
        rates.invalidate(new ModelKey(provider, model));
        return new RateView(provider, model, Credits.toCredits(rate.inputMicrosPerMillion()),
                Credits.toCredits(rate.outputMicrosPerMillion()));
    }

    /** Models that can be called: they have a rate and their provider is enabled. */
    public List<RateView> callable() {
        return jdbc.sql("""
                        select r.provider, r.model, r.input_micros_per_million, r.output_micros_per_million
                        from gateway.model_rates r join gateway.providers p on p.name = r.provider
                        where p.enabled order by r.provider, r.model""")
                .query((rs, row) -> new RateView(rs.getString(1), rs.getString(2),
                        Credits.toCredits(rs.getLong(3)), Credits.toCredits(rs.getLong(4))))
                .list();
    }

    private Optional<ModelRate> load(ModelKey key) {
        return jdbc.sql("""
                        select input_micros_per_million, output_micros_per_million from gateway.model_rates
                        where provider = ? and model = ?""")
                .params(key.provider(), key.model())
                .query((rs, row) -> new ModelRate(rs.getLong(1), rs.getLong(2)))
                .optional();
    }
}
