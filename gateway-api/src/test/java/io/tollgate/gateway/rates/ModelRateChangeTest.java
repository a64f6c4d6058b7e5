package io.tollgate.gateway.rates;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.codec.EventCodec;
import io.tollgate.events.ModelRateSet;
import io.tollgate.events.support.RateCards;
import io.tollgate.events.TollgateEvent;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.ledger.api.SetModelRate;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.tollgate.gateway.testing.OpenAiWireFormat.COMPLETION;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Rates are effective-dated events: every request is priced at the rate in force when it ran, a rate
 * change takes over for the requests after it, a scheduled one only when its time comes, and the rate
 * travels with each request into the ledger, so that a replay prices it the same way.
 */
class ModelRateChangeTest extends GatewayTestBase {
    /** Rate A: 2.5 credits per million input, 10 per million output: 19 × 2.5 → 48, 10 × 10 = 100. */
    private static final Price A = new Price("2.5", "10", 148);
    /** Rate B: 5 and 20: 19 × 5 = 95, 10 × 20 = 200. */
    private static final Price B = new Price("5", "20", 295);
    /** Rate C: 1 and 4: 19 × 1 = 19, 10 × 4 = 40. */
    private static final Price C = new Price("1", "4", 59);

    private record Price(String input, String output, long costOfTheCompletion) {
        long inputMicros() {
            return new BigDecimal(input).movePointRight(6).longValueExact();
        }

        long outputMicros() {
            return new BigDecimal(output).movePointRight(6).longValueExact();
        }
    }

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    @Autowired
    JdbcClient jdbc;
    @Autowired
    CommandGateway commands;

    private GatewayHttp gateway;
    private String provider;
    /** A model of this test alone: rate versions stay in the database from run to run. */
    private String model;

    @BeforeEach
    void registerUpstream() {
        gateway = gateway();
        provider = "wm" + Integer.toHexString(upstream.getPort());
        model = "gpt-4o-" + UUID.randomUUID().toString().substring(0, 8);
        gateway.registerProvider(provider, upstream.baseUrl() + "/v1", "sk-test-provider-secret-0002");
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));
    }

    @Test
    void aRateChangeMidStreamOfRequestsPricesEachAtTheRateThenInForce() {
        setRate(A, null);
        var account = gateway.openAccountWithCredits("10");

        List<String> before = List.of(chat(account), chat(account), chat(account));
        var change = setRate(B, null);
        List<String> after = List.of(chat(account), chat(account), chat(account));

        assertThat(Instant.parse(change.path("effectiveFrom").asText())).isBeforeOrEqualTo(Instant.now());
        for (String requestId : before) {
            assertPricedAt(requestId, A);
        }
        for (String requestId : after) {
            assertPricedAt(requestId, B);
        }
        // Both versions are events on the ledger topic, in the order they were set, under the rates key.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(rateEventsOf(model))
                .extracting(ModelRateSet::inputMicrosPerMillion, ModelRateSet::outputMicrosPerMillion)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(A.inputMicros(), A.outputMicros()),
                        org.assertj.core.groups.Tuple.tuple(B.inputMicros(), B.outputMicros())));
    }

    @Test
    void requestsInFlightWhileTheRateChangesAreEachPricedAtTheRateTheyWereReservedAt() throws Exception {
        setRate(A, null);
        var account = gateway.openAccountWithCredits("10");
        record Sent(String requestId, long startNanos, long endNanos) {
        }
        var sent = new ConcurrentLinkedQueue<Sent>();
        var stop = new AtomicBoolean();
        var startedAfterChange = new AtomicInteger();
        var changed = new long[2];
        ExecutorService clients = Executors.newFixedThreadPool(3);
        List<Future<?>> loops = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                loops.add(clients.submit(() -> {
                    while (!stop.get()) {
                        long start = System.nanoTime();
                        String requestId = chat(account);
                        sent.add(new Sent(requestId, start, System.nanoTime()));
                        synchronized (changed) {
                            if (changed[1] != 0 && start > changed[1]) {
                                startedAfterChange.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> sent.size() >= 6);
            long changeStart = System.nanoTime();
            setRate(B, null);
            synchronized (changed) {
                changed[0] = changeStart;
                changed[1] = System.nanoTime();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> startedAfterChange.get() >= 6);
        } finally {
            stop.set(true);
            for (Future<?> loop : loops) {
                loop.get();
            }
            clients.shutdown();
        }

        int atA = 0;
        int atB = 0;
        for (Sent request : sent) {
            long debited = first(settledEvents(request.requestId()), CreditsDebited.class).amountMicros();
            // Whatever the rate, the debit is the request's cost at one of the two rates, never a mix.
            assertThat(debited).as(request.requestId())
                    .isIn(A.costOfTheCompletion(), B.costOfTheCompletion());
            Price price = debited == A.costOfTheCompletion() ? A : B;
            if (request.endNanos() < changed[0]) {
                assertThat(price).as("finished before the change: " + request.requestId()).isEqualTo(A);
            }
            if (request.startNanos() > changed[1]) {
                assertThat(price).as("started after the change: " + request.requestId()).isEqualTo(B);
            }
            if (price == A) {
                atA++;
            } else {
                atB++;
            }
        }
        assertThat(atA).isGreaterThanOrEqualTo(6);
        assertThat(atB).isGreaterThanOrEqualTo(6);
    }

    @Test
    void aRateDatedInTheFutureIsNotUsedUntilItsTimeComes() {
        setRate(A, null);
        var account = gateway.openAccountWithCredits("10");
        Instant effectiveFrom = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.MICROS);

        var scheduled = setRate(C, effectiveFrom);
        String early = chat(account);

        assertThat(Instant.parse(scheduled.path("effectiveFrom").asText())).isEqualTo(effectiveFrom);
        var earlyReservation = first(settledEvents(early), RequestAccepted.class);
        assertThat(earlyReservation.occurredAt()).as("the first request must run before the new rate's time")
                .isBefore(effectiveFrom);
        assertPricedAt(early, A);
        assertThat(listedInputPrice("/admin/rates")).isEqualByComparingTo(A.input());
        assertThat(listedModelPrice()).isEqualByComparingTo(A.input());
        assertThat(gateway.get("/admin/rates/" + provider + "/" + model + "/versions", ADMIN_KEY).json())
                .extracting(v -> v.path("inputPerMillion").decimalValue())
                .usingElementComparator(BigDecimal::compareTo)
                .containsExactly(new BigDecimal(A.input()), new BigDecimal(C.input()));

        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(effectiveFrom));
        String late = chat(account);

        assertPricedAt(late, C);
        assertThat(listedInputPrice("/admin/rates")).isEqualByComparingTo(C.input());
        assertThat(listedModelPrice()).isEqualByComparingTo(C.input());
    }

    @Test
    void everyPriceIsRecordedAsAnEventAndAsAVersionRowBeforeThePutAnswers() {
        Instant effectiveFrom = Instant.parse("2031-02-03T04:05:06.123456Z");
        var reply = gateway.put(ratePath(), ADMIN_KEY, Map.of("inputPerMillion", "2.5", "outputPerMillion", "10",
                "cachedInputPerMillion", "1.25", "perImage", "0.04", "embeddingPerMillion", "0.13",
                "effectiveFrom", effectiveFrom.toString()));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().path("cachedInputPerMillion").decimalValue()).isEqualByComparingTo("1.25");
        assertThat(reply.json().path("perImage").decimalValue()).isEqualByComparingTo("0.04");
        assertThat(reply.json().path("embeddingPerMillion").decimalValue()).isEqualByComparingTo("0.13");
        // The subscribing handler wrote the row in the command's transaction: it is there already.
        var row = jdbc.sql("""
                        select input_micros_per_million, output_micros_per_million, cached_input_micros_per_million,
                               image_micros, embedding_micros_per_million, effective_from, event_id, set_by
                        from gateway.model_rate_versions where provider = ? and model = ?""")
                .params(provider, model)
                .query((rs, n) -> List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                        rs.getObject(6, OffsetDateTime.class).toInstant(), rs.getObject(7, UUID.class),
                        rs.getString(8)))
                .single();
        assertThat(row.subList(0, 6)).containsExactly(2_500_000L, 10_000_000L, 1_250_000L, 40_000L, 130_000L,
                effectiveFrom);
        assertThat((String) row.get(7)).isNotBlank();

        ModelRateSet event = await().atMost(Duration.ofSeconds(20))
                .until(() -> rateEventsOf(model), events -> events.size() == 1).getFirst();
        assertThat(event.eventId()).isEqualTo(row.get(6));
        assertThat(event.accountId()).isEqualTo(RateCards.SYSTEM_ACCOUNT);
        assertThat(event.effectiveFrom()).isEqualTo(effectiveFrom);
        assertThat(List.of(event.inputMicrosPerMillion(), event.outputMicrosPerMillion(),
                event.cachedInputMicrosPerMillion(), event.imageMicros(), event.embeddingMicrosPerMillion()))
                .containsExactly(2_500_000L, 10_000_000L, 1_250_000L, 40_000L, 130_000L);
    }

    @Test
    void withoutOptionalPricesCachedInputCostsWhatInputCostsAndImagesAndEmbeddingsNothing() {
        var reply = setRate(A, null);

        assertThat(reply.path("cachedInputPerMillion").decimalValue()).isEqualByComparingTo(A.input());
        assertThat(reply.path("perImage").decimalValue()).isEqualByComparingTo("0");
        assertThat(reply.path("embeddingPerMillion").decimalValue()).isEqualByComparingTo("0");
        JsonNode listed = rateListed("/admin/rates");
        assertThat(listed.path("cachedInputPerMillion").decimalValue()).isEqualByComparingTo(A.input());
    }

    @Test
    void badRatesAre400AndLeaveNoTrace() {
        Map<String, Object> base = Map.of("inputPerMillion", "1", "outputPerMillion", "2");
        List<Map<String, Object>> bad = List.of(
                with(base, "cachedInputPerMillion", "-1"),
                with(base, "perImage", "-0.5"),
                with(base, "embeddingPerMillion", "0.0000001"),
                with(base, "effectiveFrom", Instant.now().minus(Duration.ofDays(400)).toString()),
                with(base, "effectiveFrom", "next tuesday"),
                Map.of("inputPerMillion", "1"));

        for (Map<String, Object> body : bad) {
            var reply = gateway.put(ratePath(), ADMIN_KEY, body);
            assertThat(reply.status()).as(body + " → " + reply.body()).isEqualTo(400);
            assertThat(reply.json().path("error").path("type").asText()).isEqualTo("invalid_request_error");
        }
        var unknownProvider = gateway.put("/admin/rates/no-such-provider/" + model, ADMIN_KEY, base);
        assertThat(unknownProvider.status()).isEqualTo(400);
        assertThat(gateway.get("/admin/rates/" + provider + "/" + model + "/versions", ADMIN_KEY).json()).isEmpty();
        assertThat(storedEventsOf(provider + "/" + model)).isZero();
    }

    @Test
    void aRateEventIsNotStoredWhenItsRowCannotBeWritten() {
        // No such provider: the row breaks the foreign key, and the event goes down with it.
        String ghost = "ghost" + UUID.randomUUID().toString().substring(0, 8);

        assertThatThrownBy(() -> commands.sendAndWait(new SetModelRate(ghost, model, 1, 2, 1, 0, 0, 0, 0, null, "test")))
                .hasStackTraceContaining("model_rate_versions_provider_fkey");

        assertThat(storedEventsOf(ghost + "/" + model)).isZero();
        assertThat(jdbc.sql("select count(*) from gateway.model_rate_versions where provider = ?").param(ghost)
                .query(Long.class).single()).isZero();
    }

    // --- helpers ---

    private String ratePath() {
        return "/admin/rates/" + provider + "/" + model;
    }

    private JsonNode setRate(Price price, Instant effectiveFrom) {
        Map<String, Object> body = new HashMap<>(Map.of("inputPerMillion", price.input(),
                "outputPerMillion", price.output()));
        if (effectiveFrom != null) {
            body.put("effectiveFrom", effectiveFrom.toString());
        }
        var reply = gateway.put(ratePath(), ADMIN_KEY, body);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    private String chat(GatewayHttp.Account account) {
        var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/" + model,
                "max_tokens", 100, "messages", List.of(Map.of("role", "user", "content", "Hello there"))));
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.header("x-request-id");
    }

    /** The request was reserved at the price's rate and debited its cost at that rate. */
    private void assertPricedAt(String requestId, Price price) {
        List<TollgateEvent> events = settledEvents(requestId);
        assertThat(first(events, CreditsDebited.class).amountMicros()).as(requestId)
                .isEqualTo(price.costOfTheCompletion());
    }

    private static List<TollgateEvent> settledEvents(String requestId) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> ledger().eventsOf(requestId),
                events -> events.stream().anyMatch(CreditsDebited.class::isInstance));
    }

    private static <E extends TollgateEvent> E first(List<TollgateEvent> events, Class<E> type) {
        return events.stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }

    private List<ModelRateSet> rateEventsOf(String model) {
        var codec = new EventCodec();
        return ledger().recordsOfAccount(RateCards.SYSTEM_ACCOUNT).stream()
                .map(record -> codec.decode(record.value()))
                .map(ModelRateSet.class::cast)
                .filter(set -> set.provider().equals(provider) && set.model().equals(model))
                .toList();
    }

    private long storedEventsOf(String aggregateId) {
        return jdbc.sql("select count(*) from ledger.domain_event_entry where aggregate_identifier = ?")
                .param(aggregateId).query(Long.class).single();
    }

    private JsonNode rateListed(String path) {
        for (JsonNode rate : gateway.get(path, ADMIN_KEY).json()) {
            if (rate.path("provider").asText().equals(provider) && rate.path("model").asText().equals(model)) {
                return rate;
            }
        }
        throw new AssertionError(provider + "/" + model + " is not listed by " + path);
    }

    private BigDecimal listedInputPrice(String path) {
        return rateListed(path).path("inputPerMillion").decimalValue();
    }

    /** The input price GET /v1/models shows for the model. */
    private BigDecimal listedModelPrice() {
        for (JsonNode entry : gateway.get("/v1/models", ADMIN_KEY).json().path("data")) {
            if (entry.path("id").asText().equals(provider + "/" + model)) {
                return entry.path("pricing").path("input").decimalValue();
            }
        }
        throw new AssertionError(provider + "/" + model + " is not listed by /v1/models");
    }

    private static Map<String, Object> with(Map<String, Object> base, String key, Object value) {
        var body = new HashMap<>(base);
        body.put(key, value);
        return body;
    }
}
