package io.tollgate.gateway.telemetry;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Tracer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.observation.ObservationAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.opentelemetry.OpenTelemetryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.tracing.MicrometerTracingAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.tracing.NoopTracerAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.tracing.OpenTelemetryTracingAutoConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real Spring Boot start-up (environment post-processors from spring.factories, auto-configuration
 * exclusions) of the metrics, observation and tracing auto-configurations the gateway uses: without an
 * endpoint there is no tracer and observations still time requests; with one, the tracer is back.
 */
class TracingOnlyWithExporterContextTest {

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
            SimpleMetricsExportAutoConfiguration.class, ObservationAutoConfiguration.class,
            OpenTelemetryAutoConfiguration.class, OpenTelemetryTracingAutoConfiguration.class,
            MicrometerTracingAutoConfiguration.class, NoopTracerAutoConfiguration.class})
    static class Observability {
    }

    private ConfigurableApplicationContext start(String... properties) {
        return new SpringApplicationBuilder(Observability.class)
                .web(WebApplicationType.NONE)
                .properties("spring.config.name=tracing-only-with-exporter-test")
                .properties(properties)
                .run();
    }

    @Test
    void withoutAnEndpointObservationsAreTimedWithoutATracer() {
        try (var context = start()) {
            assertThat(context.getBeanProvider(Tracer.class).getIfAvailable()).isNull();
            observeOnce(context);
        }
    }

    @Test
    void withAnEndpointTheTracerIsBack() {
        try (var context = start("management.otlp.tracing.endpoint=http://127.0.0.1:9/v1/traces")) {
            assertThat(context.getBeanProvider(Tracer.class).getIfAvailable()).isNotNull().isNotSameAs(Tracer.NOOP);
            observeOnce(context);
        }
    }

    private static void observeOnce(ConfigurableApplicationContext context) {
        Observation.createNotStarted("tollgate.test.observation", context.getBean(ObservationRegistry.class))
                .observe(() -> { });
        assertThat(context.getBean(MeterRegistry.class).get("tollgate.test.observation").timer().count()).isEqualTo(1);
    }
}
