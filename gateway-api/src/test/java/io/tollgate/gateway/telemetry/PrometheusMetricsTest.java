package io.tollgate.gateway.telemetry;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import io.tollgate.gateway.GatewayTestBase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static io.tollgate.gateway.testing.OpenAiWireFormat.COMPLETION;
import static io.tollgate.gateway.testing.OpenAiWireFormat.STREAM_WITH_USAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Real chat traffic through the gateway (a WireMock upstream speaking OpenAI's wire format), then a
 * scrape of /actuator/prometheus over HTTP: the token and credit counters hold exactly what the ledger
 * billed, by provider and model, under OpenTelemetry's GenAI names.
 */
class PrometheusMetricsTest extends GatewayTestBase {
    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    private GatewayHttp gateway;
    /** A provider name of this test alone, so that other tests' traffic does not move these series. */
    private final String provider = "prom" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void registerUpstream() {
        gateway = gateway();
        gateway.registerProvider(provider, upstream.baseUrl() + "/v1", "sk-test-prometheus");
        gateway.setRate(provider, "gpt-4o", "2.5", "10");
        gateway.setRate(provider, "gpt-4o-mini", "1", "4");
    }

    @Test
    void tokensCreditsLatencyAndReservationsAreScrapedWithTheBilledValues() {
        var account = gateway.openAccountWithCredits("1");
        var poor = gateway.openAccountWithCredits("0.0001");
        String base = managementUrl();
        Map<String, String> rejectedInsufficient = Map.of("outcome", "rejected", "reason", "insufficient_credit");
        double rejectedBefore = PrometheusScrape.of(base).value("tollgate_reservations_total", rejectedInsufficient);
        double reservedBefore = PrometheusScrape.of(base).value("tollgate_reservations_total",
                Map.of("outcome", "reserved", "reason", "none"));
        Map<String, String> durable = Map.of("outcome", "durable");
        double durableBefore = PrometheusScrape.of(base).value("tollgate_request_events_durable_seconds_count", durable);

        // Two completions of gpt-4o: 19 input and 10 output tokens each, 148 micro-credits each.
        upstream.stubFor(post(CHAT_PATH).withRequestBody(
                        com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath("$.model", com.github.tomakehurst.wiremock.client.WireMock.equalTo("gpt-4o")))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(COMPLETION)));
        // One stream of gpt-4o-mini: 9 input and 3 output tokens, 9 × 1 + 3 × 4 = 21 micro-credits.
        upstream.stubFor(post(CHAT_PATH).withRequestBody(
                        com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath("$.model", com.github.tomakehurst.wiremock.client.WireMock.equalTo("gpt-4o-mini")))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream")
                        .withBody(STREAM_WITH_USAGE)));
        for (int i = 0; i < 2; i++) {
            var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o", "max_tokens", 100,
                    "messages", List.of(Map.of("role", "user", "content", "Hello there"))));
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        }
        var streamed = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o-mini", "stream", true,
                "max_tokens", 50, "messages", List.of(Map.of("role", "user", "content", "Hello"))));
        assertThat(streamed.status()).as(streamed.body()).isEqualTo(200);
        var refused = gateway.post(CHAT_PATH, poor.key(), Map.of("model", provider + "/gpt-4o",
                "messages", List.of(Map.of("role", "user", "content", "Write me a long story"))));
        assertThat(refused.status()).as(refused.body()).isEqualTo(402);

        Map<String, String> gpt4o = Map.of("gen_ai_provider_name", provider, "gen_ai_request_model", "gpt-4o");
        Map<String, String> mini = Map.of("gen_ai_provider_name", provider, "gen_ai_request_model", "gpt-4o-mini");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            PrometheusScrape scrape = PrometheusScrape.of(base);
            assertThat(scrape.status()).isEqualTo(200);
            assertThat(scrape.contentType()).startsWith("text/plain");

            assertThat(scrape.value("gen_ai_client_token_usage_sum", with(gpt4o, "gen_ai_token_type", "input"))).isEqualTo(38);
            assertThat(scrape.value("gen_ai_client_token_usage_sum", with(gpt4o, "gen_ai_token_type", "output"))).isEqualTo(20);
            assertThat(scrape.value("gen_ai_client_token_usage_count", with(gpt4o, "gen_ai_token_type", "input"))).isEqualTo(2);
            assertThat(scrape.value("gen_ai_client_token_usage_sum", with(mini, "gen_ai_token_type", "input"))).isEqualTo(9);
            assertThat(scrape.value("gen_ai_client_token_usage_sum", with(mini, "gen_ai_token_type", "output"))).isEqualTo(3);
            assertThat(scrape.find("gen_ai_client_token_usage_sum", gpt4o))
                    .allSatisfy(s -> assertThat(s.labels()).containsEntry("gen_ai_operation_name", "chat"));

            assertThat(scrape.value("tollgate_credits_debited_microcredits_total", gpt4o)).isEqualTo(296);
            assertThat(scrape.value("tollgate_credits_debited_microcredits_total", mini)).isEqualTo(21);

            assertThat(scrape.value("gen_ai_client_operation_duration_seconds_count", with(gpt4o, "error_type", "none"))).isEqualTo(2);
            assertThat(scrape.value("gen_ai_client_operation_duration_seconds_count", with(mini, "error_type", "none"))).isEqualTo(1);
            assertThat(scrape.value("gen_ai_server_time_to_first_token_seconds_count", gpt4o)).isEqualTo(2);
            assertThat(scrape.find("gen_ai_server_time_to_first_token_seconds_bucket", with(gpt4o, "le", "+Inf")))
                    .singleElement().extracting(PrometheusScrape.Sample::value).isEqualTo(2.0);

            assertThat(scrape.value("tollgate_reservations_total", rejectedInsufficient)).isGreaterThanOrEqualTo(rejectedBefore + 1);
            assertThat(scrape.value("tollgate_reservations_total", Map.of("outcome", "reserved", "reason", "none")))
                    .isGreaterThanOrEqualTo(reservedBefore + 3);

            // Each billed request waited for its events once; the histogram has its sub-millisecond buckets.
            assertThat(scrape.value("tollgate_request_events_durable_seconds_count", durable))
                    .isGreaterThanOrEqualTo(durableBefore + 3);
            assertThat(scrape.find("tollgate_request_events_durable_seconds_bucket", durable))
                    .extracting(s -> Double.parseDouble(s.labels().get("le").replace("+Inf", "Infinity")))
                    .anySatisfy(le -> assertThat(le).isLessThan(0.001));

            // Spring's request metrics with a histogram, for rate and latency per route and status.
            assertThat(scrape.find("http_server_requests_seconds_bucket",
                    Map.of("uri", "/v1/chat/completions", "status", "200", "le", "+Inf")))
                    .singleElement().extracting(PrometheusScrape.Sample::value).satisfies(v -> assertThat(v).isGreaterThanOrEqualTo(3.0));
            assertThat(scrape.find("tollgate_ledger_publication_backlog_events", Map.of())).hasSize(1);
        });
    }

    private static Map<String, String> with(Map<String, String> labels, String key, String value) {
        var all = new java.util.HashMap<>(labels);
        all.put(key, value);
        return all;
    }
}
