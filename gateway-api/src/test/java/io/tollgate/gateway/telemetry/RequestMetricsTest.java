package io.tollgate.gateway.telemetry;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.support.EventIds;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.RequestRejected;
import io.tollgate.events.TokensConsumed;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The meters move by what a request's durable events say it used and cost. */
class RequestMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RequestMetrics metrics = new RequestMetrics(registry);

    @Test
    void tokensCreditsAndReservationsOfARequestAreCounted() {
        Instant now = Instant.now();
        metrics.recorded(List.of(
                new RequestAccepted(EventIds.next(), now, "acct", "req-1", "key", "p", "gpt-4o", "openai.chat", false,
                        7, 10, 900, "lease-1"),
                new TokensConsumed(EventIds.next(), now, "acct", "req-1", "p", "gpt-4o", 7, 3, 0, 0, false),
                new CreditsDebited(EventIds.next(), now, "acct", "req-1", 500, "p", "gpt-4o", "lease-1")));
        metrics.recorded(List.of(new RequestRejected(EventIds.next(), now, "acct", "req-2", "gpt-4o",
                "insufficient_credit", 402, "no")));

        assertThat(registry.get(RequestMetrics.CREDITS_DEBITED).tag(RequestMetrics.PROVIDER, "p").counter().count())
                .isEqualTo(500);
        assertThat(registry.get(RequestMetrics.TOKEN_USAGE).tag(RequestMetrics.TOKEN_TYPE, "input").summary()
                .totalAmount()).isEqualTo(7);
        assertThat(registry.get(RequestMetrics.TOKEN_USAGE).tag(RequestMetrics.TOKEN_TYPE, "output").summary()
                .totalAmount()).isEqualTo(3);
        assertThat(registry.get(RequestMetrics.CREDITS_RESERVED).counter().count()).isEqualTo(900);
        assertThat(registry.get(RequestMetrics.RESERVATIONS).tag("outcome", "rejected")
                .tag("reason", "insufficient_credit").counter().count()).isEqualTo(1);
    }

    @Test
    void aSettlementsWaitForItsEventsIsTimedByOutcome() {
        metrics.eventsWaited(400_000, true);
        metrics.eventsWaited(2_000_000, true);
        metrics.eventsWaited(3_000_000_000L, false);

        var durable = registry.get(RequestMetrics.EVENTS_DURABLE).tag("outcome", "durable").timer();
        assertThat(durable.count()).isEqualTo(2);
        assertThat(durable.totalTime(TimeUnit.MICROSECONDS)).isEqualTo(2_400);
        var failed = registry.get(RequestMetrics.EVENTS_DURABLE).tag("outcome", "failed").timer();
        assertThat(failed.count()).isEqualTo(1);
        assertThat(failed.max(TimeUnit.SECONDS)).isEqualTo(3);
    }
}
