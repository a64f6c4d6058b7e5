package io.tollgate.gateway.telemetry;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static io.tollgate.gateway.testing.OpenAiWireFormat.COMPLETION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The request path's steps as OpenTelemetry spans: one trace, reserve → provider call → settle inside
 * ingest, inside Spring's HTTP server span. Spans are read from an in-memory exporter.
 */
class RequestTracingTest extends GatewayTestBase {
    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    @Autowired
    RequestTracing tracing;
    @Autowired
    InMemorySpanExporter spans;
    @Autowired
    Tracer tracer;

    @BeforeEach
    void forgetEarlierSpans() {
        spans.reset();
    }

    @Test
    void aChatCompletionIsOneTraceOfIngestReserveProviderCallAndSettle() {
        String provider = "trace" + UUID.randomUUID().toString().substring(0, 8);
        GatewayHttp gateway = gateway();
        gateway.registerProvider(provider, upstream.baseUrl() + "/v1", "sk-test-tracing");
        gateway.setRate(provider, "gpt-4o", "2.5", "10");
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));
        var account = gateway.openAccountWithCredits("1");

        var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o", "max_tokens", 100,
                "messages", List.of(Map.of("role", "user", "content", "Hello there"))));
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);

        SpanData ingest = await().atMost(Duration.ofSeconds(10)).until(
                () -> spans.getFinishedSpanItems().stream()
                        .filter(span -> span.getName().equals(RequestTracing.INGEST))
                        .filter(span -> provider.equals(attribute(span, "provider")))
                        .findFirst(), java.util.Optional::isPresent).orElseThrow();
        assertThat(attribute(ingest, "model")).isEqualTo("gpt-4o");
        assertThat(attribute(ingest, "endpoint")).isEqualTo(CHAT_PATH);
        List<SpanData> trace = await().atMost(Duration.ofSeconds(10)).until(
                () -> spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(ingest.getTraceId())).toList(),
                found -> found.stream().map(SpanData::getName).toList().containsAll(List.of(
                        RequestTracing.RESERVE, RequestTracing.PROVIDER_CALL, RequestTracing.SETTLE)));
        for (String step : List.of(RequestTracing.RESERVE, RequestTracing.PROVIDER_CALL, RequestTracing.SETTLE)) {
            SpanData span = trace.stream().filter(s -> s.getName().equals(step)).findFirst().orElseThrow();
            assertThat(span.getParentSpanId()).as(step + " is inside ingest").isEqualTo(ingest.getSpanId());
            assertThat(attribute(span, "provider")).as(step).isEqualTo(provider);
            assertThat(attribute(span, "model")).as(step).isEqualTo("gpt-4o");
        }
        SpanData reserve = trace.stream().filter(s -> s.getName().equals(RequestTracing.RESERVE)).findFirst().orElseThrow();
        SpanData call = trace.stream().filter(s -> s.getName().equals(RequestTracing.PROVIDER_CALL)).findFirst().orElseThrow();
        SpanData settle = trace.stream().filter(s -> s.getName().equals(RequestTracing.SETTLE)).findFirst().orElseThrow();
        assertThat(attribute(reserve, "outcome")).isEqualTo("reserved");
        assertThat(reserve.getEndEpochNanos()).as("reserve, then call, then settle")
                .isLessThanOrEqualTo(call.getStartEpochNanos());
        assertThat(call.getEndEpochNanos()).isLessThanOrEqualTo(settle.getStartEpochNanos());
        // Spring's HTTP server span is the trace's root, and ingest's parent.
        assertThat(trace).anySatisfy(root -> {
            assertThat(root.getSpanId()).isEqualTo(ingest.getParentSpanId());
            assertThat(root.getParentSpanContext().isValid()).isFalse();
        });
    }

    @Test
    void theFourStepsAreOneTraceWithIngestAsTheParent() {
        try (var ingest = tracing.ingest("openai.chat")) {
            ingest.route("acme", "gpt-4o");
            try (var reserve = tracing.reserve("acme", "gpt-4o")) {
                reserve.outcome("reserved");
            }
            try (var call = tracing.providerCall("acme", "gpt-4o")) {
                call.tag("http.status_code", "200");
            }
            try (var settle = tracing.settle("acme", "gpt-4o")) {
                settle.outcome("settled");
            }
        }

        Map<String, SpanData> byName = await().atMost(Duration.ofSeconds(10)).until(this::spansByName,
                found -> found.keySet().containsAll(List.of(RequestTracing.INGEST, RequestTracing.RESERVE,
                        RequestTracing.PROVIDER_CALL, RequestTracing.SETTLE)));
        SpanData ingest = byName.get(RequestTracing.INGEST);
        for (String step : List.of(RequestTracing.RESERVE, RequestTracing.PROVIDER_CALL, RequestTracing.SETTLE)) {
            SpanData span = byName.get(step);
            assertThat(span.getTraceId()).as(step).isEqualTo(ingest.getTraceId());
            assertThat(span.getParentSpanId()).as(step).isEqualTo(ingest.getSpanId());
            assertThat(span.getAttributes().asMap()).as(step).anySatisfy((key, value) -> {
                assertThat(key.getKey()).isEqualTo("provider");
                assertThat(value).isEqualTo("acme");
            });
        }
        assertThat(byName.get(RequestTracing.RESERVE).getAttributes().asMap().entrySet())
                .anySatisfy(e -> {
                    assertThat(e.getKey().getKey()).isEqualTo("outcome");
                    assertThat(e.getValue()).isEqualTo("reserved");
                });
    }

    @Test
    void theStepsOfAnUnsampledRequestOpenNoSpanOfTheirOwn() {
        TraceContext unsampled = tracer.traceContextBuilder()
                .traceId("0af7651916cd43dd8448eb211c80319c").spanId("b7ad6b7169203331").sampled(false).build();
        try (var request = tracer.currentTraceContext().newScope(unsampled);
             var ingest = tracing.ingest("openai.chat");
             var reserve = tracing.reserve("acme", "gpt-4o")) {
            reserve.outcome("reserved");
            assertThat(tracer.currentSpan().context().spanId()).as("still the request's own span")
                    .isEqualTo(unsampled.spanId());
        }
        assertThat(tracer.currentSpan()).isNull();
    }

    private static String attribute(SpanData span, String key) {
        return span.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey(key));
    }

    private Map<String, SpanData> spansByName() {
        return spans.getFinishedSpanItems().stream()
                .collect(Collectors.toMap(SpanData::getName, Function.identity(), (a, b) -> a));
    }
}
