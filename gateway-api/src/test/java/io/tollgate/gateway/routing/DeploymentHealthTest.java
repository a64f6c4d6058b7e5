package io.tollgate.gateway.routing;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.tollgate.gateway.providers.Provider;
import io.tollgate.gateway.providers.WireFormat;
import io.tollgate.gateway.rates.ModelRates;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class DeploymentHealthTest {
    private static final Deployment FLAKY = deployment("flaky");
    private static final Deployment STEADY = deployment("steady");

    private final DeploymentHealth health = new DeploymentHealth(new RoutingProperties(4, 4, 50, Duration.ofMillis(200)));

    @Test
    void aDeploymentThatKeepsFailingIsSkippedUntilItsBreakerLetsOneProbeThrough() {
        for (int i = 0; i < 4; i++) {
            assertThat(health.tryAcquire(FLAKY)).isTrue();
            health.failed(FLAKY, 1_000_000, new DeploymentHealth.UpstreamFailure("upstream_5xx"));
        }

        assertThat(health.state(FLAKY)).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(health.tryAcquire(FLAKY)).isFalse();
        assertThat(health.tryAcquire(STEADY)).as("breakers are per deployment").isTrue();

        await().atMost(Duration.ofSeconds(5)).until(() -> health.tryAcquire(FLAKY));
        health.succeeded(FLAKY, 1_000_000);
        assertThat(health.state(FLAKY)).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void clientErrorsDoNotCountAgainstADeployment() {
        for (int i = 0; i < 10; i++) {
            assertThat(health.tryAcquire(FLAKY)).isTrue();
            health.neutral(FLAKY);
        }

        assertThat(health.state(FLAKY)).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    private static Deployment deployment(String provider) {
        return new Deployment(new Provider(provider, WireFormat.OPENAI, URI.create("http://127.0.0.1:1"), List.of()),
                "m", new ModelRates.RateVersion(provider, "m", Instant.EPOCH, 1, 1, 1, 0, 0, 0, 0));
    }
}
