package io.tollgate.gateway.telemetry;

import org.junit.jupiter.api.Test;
import org.springframework.aot.AotDetector;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.io.UrlResource;
import org.springframework.core.io.support.PropertiesLoaderUtils;
import org.springframework.mock.env.MockEnvironment;

import java.io.IOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class TracingOnlyWithExporterTest {
    private final TracingOnlyWithExporter postProcessor = new TracingOnlyWithExporter();

    @Test
    void springBootRunsIt() throws IOException {
        List<String> registered = new ArrayList<>();
        for (URL factories : Collections.list(getClass().getClassLoader().getResources("META-INF/spring.factories"))) {
            registered.add(PropertiesLoaderUtils.loadProperties(new UrlResource(factories))
                    .getProperty(EnvironmentPostProcessor.class.getName(), ""));
        }
        assertThat(registered).anySatisfy(names -> assertThat(names).contains(TracingOnlyWithExporter.class.getName()));
    }

    @Test
    void tracingIsOffWithoutAnEndpoint() {
        MockEnvironment environment = new MockEnvironment();

        postProcessor.postProcessEnvironment(environment, new SpringApplication());

        assertThat(environment.getProperty(TracingOnlyWithExporter.ENABLED)).isEqualTo("false");
        assertThat(environment.getProperty(TracingOnlyWithExporter.EXCLUDE))
                .isEqualTo(TracingOnlyWithExporter.TRACER_AUTO_CONFIGURATIONS);
    }

    @Test
    void whatWasExcludedStaysExcluded() {
        MockEnvironment environment = new MockEnvironment()
                .withProperty(TracingOnlyWithExporter.EXCLUDE, "com.example.SomeAutoConfiguration");

        postProcessor.postProcessEnvironment(environment, new SpringApplication());

        assertThat(environment.getProperty(TracingOnlyWithExporter.EXCLUDE))
                .isEqualTo("com.example.SomeAutoConfiguration," + TracingOnlyWithExporter.TRACER_AUTO_CONFIGURATIONS);
    }

    @Test
    void anEndpointLeavesTracingOn() {
        MockEnvironment environment = new MockEnvironment()
                .withProperty(TracingOnlyWithExporter.ENDPOINT, "http://127.0.0.1:4318/v1/traces");

        postProcessor.postProcessEnvironment(environment, new SpringApplication());

        assertThat(environment.getProperty(TracingOnlyWithExporter.ENABLED)).isNull();
        assertThat(environment.getProperty(TracingOnlyWithExporter.EXCLUDE)).isNull();
    }

    @Test
    void anExplicitSettingWins() {
        MockEnvironment environment = new MockEnvironment().withProperty(TracingOnlyWithExporter.ENABLED, "true");

        postProcessor.postProcessEnvironment(environment, new SpringApplication());

        assertThat(environment.getProperty(TracingOnlyWithExporter.ENABLED)).isEqualTo("true");
    }

    @Test
    void fromBuildTimeBeanDefinitionsTracingAskedForStopsTheStart() {
        MockEnvironment environment = new MockEnvironment()
                .withProperty(TracingOnlyWithExporter.ENDPOINT, "http://127.0.0.1:4318/v1/traces");

        withBuildTimeBeanDefinitions(() -> assertThatIllegalStateException()
                .isThrownBy(() -> postProcessor.postProcessEnvironment(environment, new SpringApplication()))
                .withMessageContaining("TOLLGATE_SPRING_AOT=0"));
    }

    @Test
    void fromBuildTimeBeanDefinitionsWithoutTracingItStartsWithTracingOff() {
        MockEnvironment explicitlyOff = new MockEnvironment()
                .withProperty(TracingOnlyWithExporter.ENABLED, "false")
                .withProperty(TracingOnlyWithExporter.ENDPOINT, "http://127.0.0.1:4318/v1/traces");
        MockEnvironment noEndpoint = new MockEnvironment();

        withBuildTimeBeanDefinitions(() -> {
            postProcessor.postProcessEnvironment(explicitlyOff, new SpringApplication());
            postProcessor.postProcessEnvironment(noEndpoint, new SpringApplication());
        });

        assertThat(explicitlyOff.getProperty(TracingOnlyWithExporter.ENABLED)).isEqualTo("false");
        assertThat(noEndpoint.getProperty(TracingOnlyWithExporter.ENABLED)).isEqualTo("false");
    }

    private static void withBuildTimeBeanDefinitions(Runnable check) {
        String before = System.getProperty(AotDetector.AOT_ENABLED);
        System.setProperty(AotDetector.AOT_ENABLED, "true");
        try {
            check.run();
        } finally {
            if (before == null) {
                System.clearProperty(AotDetector.AOT_ENABLED);
            } else {
                System.setProperty(AotDetector.AOT_ENABLED, before);
            }
        }
    }
}
