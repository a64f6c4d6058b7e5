package io.tollgate.ledger.rates;

import io.tollgate.ledger.api.SetModelRate;
import io.tollgate.events.support.EventIds;
import io.tollgate.events.ModelRateSet;
import io.tollgate.events.support.RateCards;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.hamcrest.CustomTypeSafeMatcher;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.axonframework.test.matchers.Matchers.andNoMore;
import static org.axonframework.test.matchers.Matchers.exactSequenceOf;
import static org.axonframework.test.matchers.Matchers.messageWithPayload;
import static org.axonframework.test.matchers.Matchers.payloadsMatching;
import static org.hamcrest.Matchers.containsString;

class RateCardTest {
    private static final String PROVIDER = "openai";
    private static final String MODEL = "gpt-4o";
    private static final Set<String> GENERATED_FIELDS = Set.of("eventId", "occurredAt");

    private AggregateTestFixture<RateCard> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(RateCard.class);
        fixture.registerFieldFilter(field -> !GENERATED_FIELDS.contains(field.getName()));
    }

    private static SetModelRate command(long input, long output, long cached, long image, long embedding,
                                        Instant effectiveFrom) {
        return audioCommand(input, output, cached, image, embedding, 0, 0, effectiveFrom);
    }

    private static SetModelRate audioCommand(long input, long output, long cached, long image, long embedding,
                                             long perSecond, long perCharacter, Instant effectiveFrom) {
        return new SetModelRate(PROVIDER, MODEL, input, output, cached, image, embedding, perSecond, perCharacter,
                effectiveFrom, "admin");
    }

    private static ModelRateSet event(long input, long output, long cached, long image, long embedding,
                                      Instant effectiveFrom) {
        return audioEvent(input, output, cached, image, embedding, 0, 0, effectiveFrom);
    }

    private static ModelRateSet audioEvent(long input, long output, long cached, long image, long embedding,
                                           long perSecond, long perCharacter, Instant effectiveFrom) {
        return new ModelRateSet(EventIds.next(), Instant.now(), RateCards.SYSTEM_ACCOUNT, PROVIDER, MODEL, input,
                output, cached, image, embedding, perSecond, perCharacter, effectiveFrom, "admin");
    }

    @Test
    void audioIsPricedPerSecondAndSpeechPerCharacter() {
        Instant from = Instant.parse("2030-01-01T00:00:00Z");
        fixture.givenNoPriorActivity()
                .when(audioCommand(0, 0, 0, 0, 0, 100, 15, from))
                .expectEvents(audioEvent(0, 0, 0, 0, 0, 100, 15, from));
    }

    @Test
    void theFirstRateCreatesTheCardAndAnswersWhenItTakesEffect() {
        Instant from = Instant.parse("2030-01-01T00:00:00Z");
        fixture.givenNoPriorActivity()
                .when(command(2_500_000, 10_000_000, 1_250_000, 40_000, 130_000, from))
                .expectSuccessfulHandlerExecution()
                .expectResultMessagePayload(from)
                .expectEvents(event(2_500_000, 10_000_000, 1_250_000, 40_000, 130_000, from))
                .expectState(card -> assertThat(card).extracting("rateCardId").isEqualTo("openai/gpt-4o"));
    }

    @Test
    void aLaterRateIsAnotherVersionOfTheSameCard() {
        Instant first = Instant.parse("2026-01-01T00:00:00Z");
        Instant second = Instant.now().plus(Duration.ofDays(30)).truncatedTo(ChronoUnit.SECONDS);
        fixture.given(event(1_000_000, 2_000_000, 500_000, 0, 0, first))
                .when(command(3_000_000, 6_000_000, 1_500_000, 10_000, 20_000, second))
                .expectResultMessagePayload(second)
                .expectEvents(event(3_000_000, 6_000_000, 1_500_000, 10_000, 20_000, second));
    }

    @Test
    void withoutAnEffectiveInstantTheRateTakesEffectNow() {
        Instant before = Instant.now().truncatedTo(ChronoUnit.MICROS);
        fixture.givenNoPriorActivity()
                .when(command(1_000_000, 2_000_000, 1_000_000, 0, 0, null))
                .expectSuccessfulHandlerExecution()
                .expectEventsMatching(exactSequenceOf(
                        messageWithPayload(
                                new CustomTypeSafeMatcher<ModelRateSet>("a rate effective now") {
                                    @Override
                                    protected boolean matchesSafely(ModelRateSet set) {
                                        Instant after = Instant.now();
                                        return set.accountId().equals(RateCards.SYSTEM_ACCOUNT)
                                                && !set.effectiveFrom().isBefore(before)
                                                && !set.effectiveFrom().isAfter(after)
                                                && set.effectiveFrom().equals(set.occurredAt())
                                                && set.inputMicrosPerMillion() == 1_000_000
                                                && set.outputMicrosPerMillion() == 2_000_000;
                                    }
                                }),
                        andNoMore()));
    }

    @Test
    void aRateMayBeBackdatedByUpToAYear() {
        Instant elevenMonthsAgo = Instant.now().minus(Duration.ofDays(335)).truncatedTo(ChronoUnit.SECONDS);
        fixture.givenNoPriorActivity()
                .when(command(1, 2, 1, 0, 0, elevenMonthsAgo))
                .expectEvents(event(1, 2, 1, 0, 0, elevenMonthsAgo));
    }

    @Test
    void refusesARateDatedMoreThanAYearBack() {
        Instant thirteenMonthsAgo = Instant.now().minus(Duration.ofDays(395));
        fixture.given(event(1_000_000, 2_000_000, 500_000, 0, 0, Instant.parse("2026-01-01T00:00:00Z")))
                .when(command(1, 2, 1, 0, 0, thirteenMonthsAgo))
                .expectException(IllegalArgumentException.class)
                .expectExceptionMessage(containsString("in the past"))
                .expectNoEvents();
    }

    @Test
    void refusesNegativePrices() {
        List<SetModelRate> negatives = List.of(
                command(-1, 2, 1, 0, 0, null),
                command(1, -2, 1, 0, 0, null),
                command(1, 2, -1, 0, 0, null),
                command(1, 2, 1, -1, 0, null),
                command(1, 2, 1, 0, -1, null),
                audioCommand(1, 2, 1, 0, 0, -1, 0, null),
                audioCommand(1, 2, 1, 0, 0, 0, -1, null));
        for (SetModelRate negative : negatives) {
            fixture.givenNoPriorActivity()
                    .when(negative)
                    .expectException(IllegalArgumentException.class)
                    .expectExceptionMessage(containsString("must not be negative"))
                    .expectNoEvents();
        }
    }

    @Test
    void zeroPricesAreAllowed() {
        Instant from = Instant.parse("2030-01-01T00:00:00Z");
        fixture.givenNoPriorActivity()
                .when(command(0, 0, 0, 0, 0, from))
                .expectEvents(event(0, 0, 0, 0, 0, from));
    }

    @Test
    void refusesAMissingModel() {
        fixture.givenNoPriorActivity()
                .when(new SetModelRate(PROVIDER, " ", 1, 2, 1, 0, 0, 0, 0, null, "admin"))
                .expectException(IllegalArgumentException.class)
                .expectExceptionMessage("model is required")
                .expectNoEvents();
    }

    @Test
    void refusesAProviderNameWithASlash() {
        fixture.givenNoPriorActivity()
                .when(new SetModelRate("open/ai", MODEL, 1, 2, 1, 0, 0, 0, 0, null, "admin"))
                .expectException(IllegalArgumentException.class)
                .expectExceptionMessage(containsString("must not contain '/'"))
                .expectNoEvents();
    }

    @Test
    void effectiveInstantsAreKeptToTheMicrosecondAsTheDatabaseStoresThem() {
        Instant withNanos = Instant.parse("2030-01-01T00:00:00.123456789Z");
        fixture.givenNoPriorActivity()
                .when(command(1, 2, 1, 0, 0, withNanos))
                .expectResultMessagePayload(Instant.parse("2030-01-01T00:00:00.123456Z"))
                .expectEvents(event(1, 2, 1, 0, 0, Instant.parse("2030-01-01T00:00:00.123456Z")));
    }

    @Test
    void rateEventsAllCarryTheSystemAccountSoTheyShareOneKafkaKey() {
        fixture.givenNoPriorActivity()
                .when(command(1, 2, 1, 0, 0, Instant.parse("2030-01-01T00:00:00Z")))
                .expectEventsMatching(payloadsMatching(exactSequenceOf(
                        new CustomTypeSafeMatcher<ModelRateSet>("a ModelRateSet on the system account") {
                            @Override
                            protected boolean matchesSafely(ModelRateSet set) {
                                return "_rates".equals(set.accountId());
                            }
                        },
                        andNoMore())));
    }
}
