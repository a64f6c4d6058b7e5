package io.tollgate.ledger.api;

import io.tollgate.events.support.RateCards;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;

/**
 * Set a model's prices from {@code effectiveFrom} on (null: from now). Creates the model's rate card
 * when it has none yet; answers the instant the version takes effect.
 *
 * @param inputMicrosPerMillion       micro-credits per million input tokens
 * @param outputMicrosPerMillion      micro-credits per million output tokens
 * @param cachedInputMicrosPerMillion micro-credits per million cached input tokens
 * @param imageMicros                 micro-credits per generated image
 * @param embeddingMicrosPerMillion   micro-credits per million embedding tokens
 * @param audioSecondMicros           micro-credits per second of transcribed audio
 * @param speechCharacterMicros       micro-credits per character of text spoken
 */
public record SetModelRate(String provider, String model, long inputMicrosPerMillion, long outputMicrosPerMillion,
                           long cachedInputMicrosPerMillion, long imageMicros, long embeddingMicrosPerMillion,
                           long audioSecondMicros, long speechCharacterMicros, Instant effectiveFrom, String actor) {

    /** The rate card's id, {@code provider/model}. */
    @TargetAggregateIdentifier
    public String rateCardId() {
        return RateCards.id(provider, model);
    }
}
