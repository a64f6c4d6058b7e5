package io.tollgate.gateway.testing;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * Keeps the spans the gateway finishes in memory for tests to read. Spring Boot's OpenTelemetry set-up
 * picks every SpanExporter bean up, next to (not instead of) the OTLP exporter.
 */
@TestConfiguration(proxyBeanMethods = false)
public class InMemorySpans {

    @Bean
    public InMemorySpanExporter inMemorySpanExporter() {
        return InMemorySpanExporter.create();
    }
}
