package io.tollgate.gateway.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.ProviderCalled;
import io.tollgate.events.RequestRejected;
import io.tollgate.events.TokensConsumed;
import io.tollgate.events.TollgateEvent;
import io.tollgate.events.UsageOverHold;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Usage metrics taken from the request events once they are durable, so that they count what was billed
 * rather than what the request path believes it did: tokens and credits by provider and model
 * (OpenTelemetry's GenAI semantic-convention names), provider latency and time to first token,
 * reservation outcomes; and how long each settlement waited for its events to be durable. A request whose
 * events could not be made durable was not charged and is not counted. Counters are per instance; summed over
 * instances they are the cluster's totals.
 */
@Component
public class RequestMetrics {
    public static final String TOKEN_USAGE = "gen_ai.client.token.usage";
    public static final String OPERATION_DURATION = "gen_ai.client.operation.duration";
    public static final String TIME_TO_FIRST_TOKEN = "gen_ai.server.time_to_first_token";
    public static final String CREDITS_DEBITED = "tollgate.credits.debited";
    public static final String CREDITS_RESERVED = "tollgate.credits.reserved";
    public static final String RESERVATIONS = "tollgate.reservations";
    public static final String USAGE_OVER_HOLD = "tollgate.usage.over.hold";
    public static final String EVENTS_DURABLE = "tollgate.request.events.durable";

    static final String PROVIDER = "gen_ai.provider.name";
    static final String MODEL = "gen_ai.request.model";
    static final String OPERATION = "gen_ai.operation.name";
    static final String TOKEN_TYPE = "gen_ai.token.type";
    static final String ERROR_TYPE = "error.type";
    static final String CHAT = "chat";

    /** OpenTelemetry's advised bucket boundaries for these instruments (GenAI semantic conventions). */
    private static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576,
            4194304, 16777216, 67108864};
    private static final Duration[] DURATION_BUCKETS = seconds(0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56,
            5.12, 10.24, 20.48, 40.96, 81.92);
    private static final Duration[] TTFT_BUCKETS = seconds(0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5,
            0.75, 1.0, 2.5, 5.0, 7.5, 10.0);

    private static final Logger log = LoggerFactory.getLogger(RequestMetrics.class);

    private final MeterRegistry registry;
    /** Meters by (provider, model[, kind]): a map lookup instead of building an id per event. */
    private final Map<List<String>, Object> meters = new ConcurrentHashMap<>();
    private final Counter reserved;
    private final Timer durable;
    private final Timer notDurable;

    public RequestMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.reserved = Counter.builder(RESERVATIONS)
                .description("Reservation decisions: reserved, or rejected with a reason")
                .tags("outcome", "reserved", "reason", "none")
                .register(registry);
        this.durable = eventsDurable(registry, "durable");
        this.notDurable = eventsDurable(registry, "failed");
    }

    /**
     * The wait of a settlement for its events: part of every billed answer's latency, and the broker's (or the
     * spill table's) health as the request path feels it. A warm wait takes a fraction of a millisecond, so the
     * histogram starts at 0.1 ms.
     */
    private static Timer eventsDurable(MeterRegistry registry, String outcome) {
        return Timer.builder(EVENTS_DURABLE)
                .description("How long a settlement waited until its request events were durable (acknowledged by"
                        + " the broker or committed to the spill table), by outcome (durable|failed)")
                .tags("outcome", outcome)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    /** A settlement's wait for its events to be durable, or to fail to be (then the request is not charged). */
    public void eventsWaited(long nanos, boolean madeDurable) {
        (madeDurable ? durable : notDurable).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Counts the events of one request (or refusal); never throws, metrics must not fail a request. */
    public void recorded(List<? extends TollgateEvent> durable) {
        record(durable);
    }

    private void record(List<? extends TollgateEvent> events) {
        for (TollgateEvent event : events) {
            try {
                switch (event) {
                    case TokensConsumed e -> {
                        tokens(e.provider(), e.model(), "input").record(e.inputTokens());
                        tokens(e.provider(), e.model(), "output").record(e.outputTokens());
                    }
                    case CreditsDebited e -> debited(e.provider(), e.model()).increment(e.amountMicros());
                    case ProviderCalled e -> {
                        duration(e.provider(), e.model(), e.errorClass()).record(Duration.ofMillis(e.latencyMillis()));
                        if (e.ttfbMillis() != null) {
                            timeToFirstToken(e.provider(), e.model()).record(Duration.ofMillis(e.ttfbMillis()));
                        }
                    }
                    case RequestAccepted e -> {
                        reserved.increment();
                        reservedCredits().increment(e.reservedMicros());
                    }
                    case RequestRejected e -> rejected(e.reason()).increment();
                    case UsageOverHold e -> overHold(e.provider(), e.model()).increment(e.overMicros());
                    default -> {
                    }
                }
            } catch (RuntimeException e) {
                log.warn("could not record metrics for {}", event.getClass().getSimpleName(), e);
            }
        }
    }

    private DistributionSummary tokens(String provider, String model, String type) {
        return (DistributionSummary) meters.computeIfAbsent(List.of(TOKEN_USAGE, nonNull(provider), nonNull(model), type),
                key -> DistributionSummary.builder(TOKEN_USAGE)
                        .description("Tokens billed per request, by provider, model and token type (input|output)")
                        .tags(Tags.of(OPERATION, CHAT, PROVIDER, key.get(1), MODEL, key.get(2), TOKEN_TYPE, type))
                        .serviceLevelObjectives(TOKEN_BUCKETS)
                        .register(registry));
    }

    private Counter debited(String provider, String model) {
        return (Counter) meters.computeIfAbsent(List.of(CREDITS_DEBITED, nonNull(provider), nonNull(model)),
                key -> Counter.builder(CREDITS_DEBITED)
                        .description("Credits debited for requests, in micro-credits (1 credit = 1,000,000)")
                        .baseUnit("microcredits")
                        .tags(Tags.of(PROVIDER, key.get(1), MODEL, key.get(2)))
                        .register(registry));
    }

    /** Usage a provider reported beyond the request's hold: not charged, so the operator must see it. */
    private Counter overHold(String provider, String model) {
        return (Counter) meters.computeIfAbsent(List.of(USAGE_OVER_HOLD, nonNull(provider), nonNull(model)),
                key -> Counter.builder(USAGE_OVER_HOLD)
                        .description("What reported usage cost beyond the request's hold (charged the hold, the rest"
                                + " not charged), in micro-credits")
                        .baseUnit("microcredits")
                        .tags(Tags.of(PROVIDER, key.get(1), MODEL, key.get(2)))
                        .register(registry));
    }

    private Counter reservedCredits() {
        return (Counter) meters.computeIfAbsent(List.of(CREDITS_RESERVED),
                key -> Counter.builder(CREDITS_RESERVED)
                        .description("Credits held by reservations (the worst case of each request), in micro-credits")
                        .baseUnit("microcredits")
                        .register(registry));
    }

    private Timer duration(String provider, String model, String errorClass) {
        String error = errorClass == null ? "none" : errorClass;
        return (Timer) meters.computeIfAbsent(List.of(OPERATION_DURATION, nonNull(provider), nonNull(model), error),
                key -> Timer.builder(OPERATION_DURATION)
                        .description("Duration of provider calls, by provider, model and error type")
                        .tags(Tags.of(OPERATION, CHAT, PROVIDER, key.get(1), MODEL, key.get(2), ERROR_TYPE, error))
                        .serviceLevelObjectives(DURATION_BUCKETS)
                        .register(registry));
    }

    private Timer timeToFirstToken(String provider, String model) {
        return (Timer) meters.computeIfAbsent(List.of(TIME_TO_FIRST_TOKEN, nonNull(provider), nonNull(model)),
                key -> Timer.builder(TIME_TO_FIRST_TOKEN)
                        .description("Time until the provider's first byte (the first token when streaming)")
                        .tags(Tags.of(OPERATION, CHAT, PROVIDER, key.get(1), MODEL, key.get(2)))
                        .serviceLevelObjectives(TTFT_BUCKETS)
                        .register(registry));
    }

    private Counter rejected(String reason) {
        String why = nonNull(reason);
        return (Counter) meters.computeIfAbsent(List.of(RESERVATIONS, "rejected", why),
                key -> Counter.builder(RESERVATIONS)
                        .description("Reservation decisions: reserved, or rejected with a reason")
                        .tags("outcome", "rejected", "reason", why)
                        .register(registry));
    }

    private static String nonNull(String value) {
        return value == null || value.isEmpty() ? "unknown" : value;
    }

    private static Duration[] seconds(double... values) {
        Duration[] durations = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            durations[i] = Duration.ofNanos(Math.round(values[i] * 1e9));
        }
        return durations;
    }
}
