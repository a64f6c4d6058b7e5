package io.tollgate.ledger.rates;

import io.tollgate.ledger.api.SetModelRate;
import io.tollgate.events.support.EventIds;
import io.tollgate.events.ModelRateSet;
import io.tollgate.events.support.RateCards;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateCreationPolicy;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.CreationPolicy;
import org.axonframework.spring.stereotype.Aggregate;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

/**
 * One model's price list over time, id {@code provider/model}. Every change is an effective-dated
 * {@link ModelRateSet}; which version is in force at an instant is the latest one whose effectiveFrom
 * is not after it. A request is priced at the version in force when it was reserved (the rate travels
 * in its CreditsReserved), so a replay of the log prices every request as it ran (DESIGN.md I3).
 * <p>
 * A version may be dated in the future (a scheduled price change) or back to a year ago (recording a
 * change late; requests already reserved keep the rate they ran at). Effective instants are kept to
 * the microsecond, as PostgreSQL stores them.
 */
// Public only for the bean definitions Spring generates at build time in Axon's package; the gateway reaches
// the ledger through io.tollgate.ledger.api alone (its ArchitectureTest).
@Aggregate
public class RateCard {
    /** How far back a version may be dated. */
    static final Duration MAX_BACKDATING = Duration.ofDays(365);

    @AggregateIdentifier
    private String rateCardId;

    protected RateCard() {
        // for Axon: event sourcing, and creation by the first SetModelRate
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    public Instant handle(SetModelRate command) {
        requireName(command.provider(), "provider");
        if (command.provider().contains("/")) {
            throw new IllegalArgumentException("a provider name must not contain '/'");
        }
        requireName(command.model(), "model");
        requireNonNegative(command.inputMicrosPerMillion(), "the input price");
        requireNonNegative(command.outputMicrosPerMillion(), "the output price");
        requireNonNegative(command.cachedInputMicrosPerMillion(), "the cached input price");
        requireNonNegative(command.imageMicros(), "the image price");
        requireNonNegative(command.embeddingMicrosPerMillion(), "the embedding price");
        requireNonNegative(command.audioSecondMicros(), "the audio price per second");
        requireNonNegative(command.speechCharacterMicros(), "the speech price per character");
        Instant now = now();
        Instant effectiveFrom = (command.effectiveFrom() != null ? command.effectiveFrom() : now)
                .truncatedTo(ChronoUnit.MICROS);
        if (effectiveFrom.isBefore(now.minus(MAX_BACKDATING))) {
            throw new IllegalArgumentException("a rate cannot take effect more than " + MAX_BACKDATING.toDays()
                    + " days in the past: " + effectiveFrom);
        }
        apply(new ModelRateSet(EventIds.next(), now, RateCards.SYSTEM_ACCOUNT, command.provider(), command.model(),
                command.inputMicrosPerMillion(), command.outputMicrosPerMillion(),
                command.cachedInputMicrosPerMillion(), command.imageMicros(), command.embeddingMicrosPerMillion(),
                command.audioSecondMicros(), command.speechCharacterMicros(), effectiveFrom, command.actor()));
        return effectiveFrom;
    }

    @EventSourcingHandler
    void on(ModelRateSet event) {
        rateCardId = RateCards.id(event.provider(), event.model());
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    private static void requireName(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
    }

    private static void requireNonNegative(long micros, String what) {
        if (micros < 0) {
            throw new IllegalArgumentException(what + " must not be negative");
        }
    }
}
