package io.tollgate.gateway.telemetry;

import org.junit.jupiter.api.Test;
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
}
