package io.tollgate.gateway.telemetry;

import org.springframework.aot.AotDetector;
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
 * <p>A gateway started from the bean definitions generated at build time ({@code spring.aot.enabled=true}, as the
 * launcher starts it) has the tracer left out for good: those were generated without an endpoint. Asking it for
 * tracing stops the start rather than run without the spans that were asked for.
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
        boolean enabledSet = environment.containsProperty(ENABLED);
        boolean endpointSet = StringUtils.hasText(environment.getProperty(ENDPOINT));
        boolean tracingOn = enabledSet ? environment.getProperty(ENABLED, Boolean.class, false) : endpointSet;
        if (tracingOn && AotDetector.useGeneratedArtifacts()) {
            throw new IllegalStateException("tracing is asked for (" + ENABLED + " or " + ENDPOINT + "), but this gateway "
                    + "runs the bean definitions generated at build time, which leave the tracer out; start it with "
                    + "spring.aot.enabled=false (the launcher: TOLLGATE_SPRING_AOT=0)");
        }
        if (enabledSet || endpointSet) {
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
