package io.tollgate.gateway.telemetry;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.observation.ObservationAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.opentelemetry.OpenTelemetryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.tracing.MicrometerTracingAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.tracing.OpenTelemetryTracingAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.tracing.otlp.OtlpTracingAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The request path's spans leave the process over OTLP/HTTP exactly when an endpoint is configured:
 * here a loopback collector stand-in that records what it receives (protobuf over HTTP POST).
 */
class OtlpExportTest {
    private final ApplicationContextRunner gatewayTracing = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class,
                    OpenTelemetryAutoConfiguration.class, OpenTelemetryTracingAutoConfiguration.class,
                    MicrometerTracingAutoConfiguration.class, OtlpTracingAutoConfiguration.class))
            .withBean(RequestTracing.class)
            .withPropertyValues("management.tracing.sampling.probability=1.0",
                    "management.tracing.opentelemetry.export.schedule-delay=50ms");

    private HttpServer collector;
    private final List<Received> received = new CopyOnWriteArrayList<>();

    private record Received(String path, String contentType, byte[] body) {
    }

    @BeforeEach
    void startCollector() throws Exception {
        collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                var bytes = new ByteArrayOutputStream();
                body.transferTo(bytes);
                received.add(new Received(exchange.getRequestURI().getPath(),
                        exchange.getRequestHeaders().getFirst("Content-Type"), bytes.toByteArray()));
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        collector.start();
    }

    @AfterEach
    void stopCollector() {
        collector.stop(0);
    }

    private String payloads() {
        var all = new StringBuilder();
        received.forEach(export -> all.append(new String(export.body(), StandardCharsets.ISO_8859_1)));
        return all.toString();
    }

    @Test
    void withoutAnEndpointNothingIsExported() {
        gatewayTracing.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(OtlpHttpSpanExporter.class);
            assertThat(context.getBeansOfType(SpanExporter.class)).isEmpty();
        });
    }

    @Test
    void withAnEndpointTheStepsAreSentToTheCollector() {
        String endpoint = "http://127.0.0.1:" + collector.getAddress().getPort() + "/v1/traces";
        gatewayTracing.withPropertyValues("management.otlp.tracing.endpoint=" + endpoint).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).hasSingleBean(OtlpHttpSpanExporter.class);
            RequestTracing tracing = context.getBean(RequestTracing.class);
            try (var ingest = tracing.ingest("openai.chat")) {
                try (var reserve = tracing.reserve("otlp-provider", "gpt-4o")) {
                    reserve.outcome("reserved");
                }
            }
            // Protobuf keeps strings as they are: the span names and tags are in the payloads.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(payloads())
                    .contains(RequestTracing.INGEST, RequestTracing.RESERVE, "otlp-provider"));
            assertThat(received).allSatisfy(export -> {
                assertThat(export.path()).isEqualTo("/v1/traces");
                assertThat(export.contentType()).isEqualTo("application/x-protobuf");
            });
        });
    }
}
