package io.tollgate.gateway.telemetry;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.actuate.autoconfigure.tracing.MicrometerTracingAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.tracing.NoopTracerAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.tracing.OpenTelemetryTracingAutoConfiguration;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;

import java.util.Map;

/**
 * Leaves the tracer out when no span could leave the process. Without an OTLP endpoint ({@value #ENDPOINT})
 * every request still paid for span contexts, scopes, MDC updates, the tracing handler of each observation
 * and an exemplar per histogram, sampled or not; {@value #ENABLED}{@code =false} alone does not stop that
 * (it turns off exporters and propagation only), so the tracer's auto-configurations are excluded too. All
 * three: with the no-op tracer alone left, metrics would still go through the tracing-aware handler, which
 * fails every observation when the tracing handler it relies on is gone.
 * Setting the endpoint turns tracing on; an explicit {@value #ENABLED} wins either way.
 */
public class TracingOnlyWithExporter implements EnvironmentPostProcessor {
    static final String ENABLED = "management.tracing.enabled";
    static final String ENDPOINT = "management.otlp.tracing.endpoint";
    static final String EXCLUDE = "spring.autoconfigure.exclude";
    static final String TRACER_AUTO_CONFIGURATIONS = String.join(",",
            OpenTelemetryTracingAutoConfiguration.class.getName(), MicrometerTracingAutoConfiguration.class.getName(),
            NoopTracerAutoConfiguration.class.getName());

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.containsProperty(ENABLED) || StringUtils.hasText(environment.getProperty(ENDPOINT))) {
            return;
        }
        String excluded = environment.getProperty(EXCLUDE);
        // First, with what was excluded already: a list property is replaced, not merged, by a higher source.
        environment.getPropertySources().addFirst(new MapPropertySource("tollgateTracingWithoutExporter", Map.of(
                ENABLED, "false",
                EXCLUDE, StringUtils.hasText(excluded) ? excluded + "," + TRACER_AUTO_CONFIGURATIONS
                        : TRACER_AUTO_CONFIGURATIONS)));
    }
}
