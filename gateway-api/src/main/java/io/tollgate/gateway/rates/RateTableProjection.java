package io.tollgate.gateway.rates;

import io.tollgate.events.ModelRateSet;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Keeps gateway.model_rate_versions, the table {@link ModelRates} reads, in step with the rate events.
 * It runs in a subscribing processor (see {@link RateTableConfiguration}): inside the command's unit of
 * work, in the database transaction that stores the event, so the row and the event commit together or
 * not at all. A second version for the same instant replaces the first, as the event log says.
 */
@Component
@ProcessingGroup(RateTableProjection.PROCESSING_GROUP)
class RateTableProjection {
    static final String PROCESSING_GROUP = "rate-table";

    private final JdbcClient jdbc;

    RateTableProjection(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @EventHandler
    void on(ModelRateSet event) {
        jdbc.sql("""
                        insert into gateway.model_rate_versions (provider, model, effective_from,
                            input_micros_per_million, output_micros_per_million, cached_input_micros_per_million,
                            image_micros, embedding_micros_per_million, audio_second_micros,
                            speech_character_micros, event_id, set_by, set_at)
                        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        on conflict (provider, model, effective_from) do update set
                            input_micros_per_million = excluded.input_micros_per_million,
                            output_micros_per_million = excluded.output_micros_per_million,
                            cached_input_micros_per_million = excluded.cached_input_micros_per_million,
                            image_micros = excluded.image_micros,
                            embedding_micros_per_million = excluded.embedding_micros_per_million,
                            audio_second_micros = excluded.audio_second_micros,
                            speech_character_micros = excluded.speech_character_micros,
                            event_id = excluded.event_id,
                            set_by = excluded.set_by,
                            set_at = excluded.set_at""")
                .params(event.provider(), event.model(), ModelRates.utc(event.effectiveFrom()),
                        event.inputMicrosPerMillion(), event.outputMicrosPerMillion(),
                        event.cachedInputMicrosPerMillion(), event.imageMicros(), event.embeddingMicrosPerMillion(),
                        event.audioSecondMicros(), event.speechCharacterMicros(), event.eventId(), event.actor(), ModelRates.utc(event.occurredAt()))
                .update();
    }
}
