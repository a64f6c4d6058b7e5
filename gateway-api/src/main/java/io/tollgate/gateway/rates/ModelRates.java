package io.tollgate.gateway.rates;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.tollgate.events.support.Credits;
import io.tollgate.ledger.api.Ledger;
import io.tollgate.ledger.api.ModelRate;
import io.tollgate.ledger.api.SetModelRate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a model costs, per provider, at a point in time. A model without a rate in force cannot be
 * called. Rates are versions effective from an instant (the ledger's rate cards);
 * each lookup picks the version in force at that moment, so a version scheduled for later takes over
 * exactly when its time comes, without waiting for the cache.
 */
@Component
public class ModelRates {
    private static final String COLUMNS = "r.provider, r.model, r.effective_from, r.input_micros_per_million, "
            + "r.output_micros_per_million, r.cached_input_micros_per_million, r.image_micros, "
            + "r.embedding_micros_per_million, r.audio_second_micros, r.speech_character_micros";

    private final JdbcClient jdbc;
    private final Ledger ledger;
    /** Per model: the version in force when loaded and every later one, oldest first. */
    private final LoadingCache<ModelKey, List<RateVersion>> versions;

    public ModelRates(JdbcClient jdbc, Ledger ledger) {
        this.jdbc = jdbc;
        this.ledger = ledger;
        // Changes made here invalidate at once; the refresh picks up those made by other instances.
        this.versions = Caffeine.newBuilder()
                .refreshAfterWrite(Duration.ofSeconds(5))
                .expireAfterWrite(Duration.ofMinutes(1))
                .build(this::load);
    }

    public record ModelKey(String provider, String model) {
    }

    /** One version of a model's prices, in micro-credits. */
    public record RateVersion(String provider, String model, Instant effectiveFrom, long inputMicrosPerMillion,
                              long outputMicrosPerMillion, long cachedInputMicrosPerMillion, long imageMicros,
                              long embeddingMicrosPerMillion, long audioSecondMicros, long speechCharacterMicros) {

        public ModelRate tokenRate() {
            return new ModelRate(inputMicrosPerMillion, outputMicrosPerMillion, cachedInputMicrosPerMillion);
        }

        RateView view() {
            return new RateView(provider, model, Credits.toCredits(inputMicrosPerMillion),
                    Credits.toCredits(outputMicrosPerMillion), Credits.toCredits(cachedInputMicrosPerMillion),
                    Credits.toCredits(imageMicros), Credits.toCredits(embeddingMicrosPerMillion),
                    Credits.toCredits(audioSecondMicros), Credits.toCredits(speechCharacterMicros), effectiveFrom);
        }
    }

    /**
     * A rate as the admin API shows it: credits per million tokens, per image, per second of transcribed audio
     * ({@code perAudioSecond}) or per character of text spoken ({@code perSpeechCharacter}).
     */
    public record RateView(String provider, String model, BigDecimal inputPerMillion, BigDecimal outputPerMillion,
                           BigDecimal cachedInputPerMillion, BigDecimal perImage, BigDecimal embeddingPerMillion,
                           BigDecimal perAudioSecond, BigDecimal perSpeechCharacter, Instant effectiveFrom) {
    }

    /**
     * A change of a model's prices, in credits. Absent optional prices: cached input costs what input
     * costs, images, embeddings and audio are not priced (0). A null effectiveFrom means now.
     */
    public record RateChange(BigDecimal inputPerMillion, BigDecimal outputPerMillion, BigDecimal cachedInputPerMillion,
                             BigDecimal perImage, BigDecimal embeddingPerMillion, BigDecimal perAudioSecond,
                             BigDecimal perSpeechCharacter, Instant effectiveFrom) {

        /** A change that prices no audio. */
        public RateChange(BigDecimal inputPerMillion, BigDecimal outputPerMillion, BigDecimal cachedInputPerMillion,
                          BigDecimal perImage, BigDecimal embeddingPerMillion, Instant effectiveFrom) {
            this(inputPerMillion, outputPerMillion, cachedInputPerMillion, perImage, embeddingPerMillion, null, null,
                    effectiveFrom);
        }
    }

    /** The token rate in force now. */
    public Optional<ModelRate> find(String provider, String model) {
        return inForce(provider, model, Instant.now()).map(RateVersion::tokenRate);
    }

    /** The whole price list in force now: token, cached, image and embedding prices. */
    public Optional<RateVersion> priceList(String provider, String model) {
        return inForce(provider, model, Instant.now());
    }

    /** The version in force at an instant; the cache holds the version in force when it loaded and later ones. */
    Optional<RateVersion> inForce(String provider, String model, Instant at) {
        RateVersion current = null;
        for (RateVersion version : versions.get(new ModelKey(provider, model))) {
            if (version.effectiveFrom().isAfter(at)) {
                break;
            }
            current = version;
        }
        return Optional.ofNullable(current);
    }

    /**
     * Records a new version as a ModelRateSet event; the rate-table handler writes its row in the same
     * transaction, so the version is readable when this returns.
     */
    public RateView set(String provider, String model, RateChange change, String actor) {
        long input = Credits.micros(change.inputPerMillion());
        long output = Credits.micros(change.outputPerMillion());
        long cachedInput = change.cachedInputPerMillion() != null ? Credits.micros(change.cachedInputPerMillion()) : input;
        long image = change.perImage() != null ? Credits.micros(change.perImage()) : 0;
        long embedding = change.embeddingPerMillion() != null ? Credits.micros(change.embeddingPerMillion()) : 0;
        long audioSecond = change.perAudioSecond() != null ? Credits.micros(change.perAudioSecond()) : 0;
        long speechCharacter = change.perSpeechCharacter() != null ? Credits.micros(change.perSpeechCharacter()) : 0;
        Instant effectiveFrom = ledger.setModelRate(new SetModelRate(provider, model, input, output, cachedInput,
                image, embedding, audioSecond, speechCharacter, change.effectiveFrom(), actor));
        versions.invalidate(new ModelKey(provider, model));
        return new RateVersion(provider, model, effectiveFrom, input, output, cachedInput, image, embedding,
                audioSecond, speechCharacter).view();
    }

    /** Models that can be called now: they have a rate in force and their provider is enabled. */
    public List<RateView> callable() {
        return jdbc.sql("""
                        select distinct on (r.provider, r.model) %s
                        from gateway.model_rate_versions r join gateway.providers p on p.name = r.provider
                        where p.enabled and r.effective_from <= ?
                        order by r.provider, r.model, r.effective_from desc""".formatted(COLUMNS))
                .param(utc(Instant.now()))
                .query((rs, row) -> version(rs).view())
                .list();
    }

    /**
     * The version of each of a provider's models in force at an instant, read from the table rather than the
     * cache (which holds no versions before the one in force when it loaded).
     */
    public Map<String, RateVersion> inForceAt(String provider, Instant at) {
        Map<String, RateVersion> byModel = new HashMap<>();
        jdbc.sql("""
                        select distinct on (r.model) %s from gateway.model_rate_versions r
                        where r.provider = ? and r.effective_from <= ?
                        order by r.model, r.effective_from desc""".formatted(COLUMNS))
                .params(provider, utc(at))
                .query((rs, row) -> version(rs))
                .list()
                .forEach(version -> byModel.put(version.model(), version));
        return byModel;
    }

    /** Every version of a model's rate, past, in force and scheduled, oldest first. */
    public List<RateView> history(String provider, String model) {
        return jdbc.sql("""
                        select %s from gateway.model_rate_versions r
                        where r.provider = ? and r.model = ?
                        order by r.effective_from""".formatted(COLUMNS))
                .params(provider, model)
                .query((rs, row) -> version(rs).view())
                .list();
    }

    private List<RateVersion> load(ModelKey key) {
        return jdbc.sql("""
                        select %s from gateway.model_rate_versions r
                        where r.provider = ? and r.model = ?
                          and r.effective_from >= coalesce((
                                select max(c.effective_from) from gateway.model_rate_versions c
                                where c.provider = r.provider and c.model = r.model and c.effective_from <= ?),
                              '-infinity')
                        order by r.effective_from""".formatted(COLUMNS))
                .params(key.provider(), key.model(), utc(Instant.now()))
                .query((rs, row) -> version(rs))
                .list();
    }

    private static RateVersion version(ResultSet rs) throws SQLException {
        return new RateVersion(rs.getString(1), rs.getString(2), rs.getObject(3, OffsetDateTime.class).toInstant(),
                rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getLong(9), rs.getLong(10));
    }

    static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
