package io.tollgate.gateway.chat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.ReservationReleased;
import io.tollgate.events.TollgateEvent;
import io.tollgate.events.UsageOverHold;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 14 item 7: the hold bounds what a request is charged. Every part of the input is in the estimate,
 * every output limit a provider reads is forced, fields that change the price are refused, and usage
 * reported beyond the hold is charged the hold and recorded.
 */
class HoldBoundsCostTest extends GatewayTestBase {
    /** " word" is one o200k token: n of them are n tokens. */
    private static final String WORD = " word";

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    private GatewayHttp gateway;
    private String provider;

    @BeforeEach
    void registerUpstream() {
        gateway = gateway();
        provider = "hb" + Integer.toHexString(upstream.getPort());
        gateway.registerProvider(provider, upstream.baseUrl() + "/v1", "sk-hold-bounds-0001");
        // 2.50 credits per million input tokens, 10 per million output tokens
        gateway.setRate(provider, "gpt-4o", "2.5", "10");
    }

    @Test
    void usageReportedBeyondTheHoldIsChargedTheHoldAndTheDifferenceIsRecorded() throws Exception {
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(OpenAiWireFormat.COMPLETION
                        .replace("\"completion_tokens\":10", "\"completion_tokens\":50000"))));
        var account = gateway.openAccountWithCredits("5");

        var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o",
                "max_tokens", 100, "messages", List.of(Map.of("role", "user", "content", "Hello there"))));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        List<TollgateEvent> events = settled(reply.header("x-request-id"));
        long held = first(events, RequestAccepted.class).reservedMicros();
        // 19 input tokens at 2.5 (48) and 50,000 output tokens at 10 (500,000): far beyond the hold of ~1,000.
        assertThat(first(events, CreditsDebited.class).amountMicros()).isEqualTo(held);
        assertThat(reply.header("x-tollgate-cost")).isEqualTo(new java.math.BigDecimal(held).movePointLeft(6)
                .stripTrailingZeros().toPlainString());
        var over = first(events, UsageOverHold.class);
        assertThat(over.heldMicros()).isEqualTo(held);
        assertThat(over.costMicros()).isEqualTo(500_048);
        assertThat(over.provider()).isEqualTo(provider);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                scrape(managementUrl() + "/actuator/prometheus")).containsPattern("tollgate_usage_over_hold_microcredits_total\\{[^}]*gen_ai_provider_name=\""
                        + provider + "\"[^}]*} [1-9]"));
    }

    @Test
    void everyOutputLimitFieldTheProviderMayReadIsForcedToTheGrantedLimit() {
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(OpenAiWireFormat.COMPLETION)));
        var account = gateway.openAccountWithCredits("1");

        var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o",
                "max_completion_tokens", 50, "max_tokens", 1_000_000_000,
                "messages", List.of(Map.of("role", "user", "content", "Hello there"))));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.header("x-tollgate-max-tokens")).isEqualTo("50");
        upstream.verify(postRequestedFor(urlEqualTo(CHAT_PATH))
                .withRequestBody(equalToJson("{\"max_completion_tokens\":50,\"max_tokens\":50}", true, true)));
    }

    @Test
    void fieldsThatChangeThePriceAreRefusedInOpenAisShapeAndNeverSent() {
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(OpenAiWireFormat.COMPLETION)));
        var account = gateway.openAccountWithCredits("1");
        List<Map<String, Object>> priced = List.of(
                Map.of("service_tier", "priority"),
                Map.of("service_tier", "flex"),
                Map.of("modalities", List.of("text", "audio"), "audio", Map.of("voice", "alloy", "format", "wav")),
                Map.of("audio", Map.of("voice", "alloy", "format", "wav")),
                Map.of("web_search_options", Map.of()));

        for (Map<String, Object> field : priced) {
            var body = new java.util.HashMap<String, Object>(field);
            body.put("model", provider + "/gpt-4o");
            body.put("messages", List.of(Map.of("role", "user", "content", "Hello there")));
            var reply = gateway.post(CHAT_PATH, account.key(), body);
            assertThat(reply.status()).as(field + ": " + reply.body()).isEqualTo(400);
            assertThat(reply.json().path("error").path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(reply.json().path("error").path("message").asText()).contains("priced differently");
        }
        upstream.verify(0, postRequestedFor(urlEqualTo(CHAT_PATH)));

        var standard = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o",
                "service_tier", "auto", "messages", List.of(Map.of("role", "user", "content", "Hello there"))));
        assertThat(standard.status()).as(standard.body()).isEqualTo(200);
    }

    @Test
    void theInputEstimateCountsToolsSchemasToolCallsAndImages() throws IOException {
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(OpenAiWireFormat.COMPLETION)));
        var account = gateway.openAccountWithCredits("1");
        String thousandWords = WORD.repeat(1000);
        var tool = Map.of("type", "function", "function", Map.of("name", "lookup", "description", thousandWords,
                "parameters", Map.of("type", "object", "properties", Map.of())));
        var schema = Map.of("type", "json_schema", "json_schema", Map.of("name", "answer", "schema",
                Map.of("type", "object", "description", thousandWords)));
        var toolCall = Map.of("id", "call_1", "type", "function", "function",
                Map.of("name", "lookup", "arguments", "{\"q\":\"" + thousandWords + "\"}"));
        var messages = List.of(
                Map.of("role", "user", "content", List.of(Map.of("type", "text", "text", "What is this?"),
                        Map.of("type", "image_url", "image_url", Map.of("url", png(1024, 1024))))),
                Map.of("role", "assistant", "content", "", "tool_calls", List.of(toolCall)),
                Map.of("role", "tool", "tool_call_id", "call_1", "content", "found"));

        var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o", "max_tokens", 10,
                "tools", List.of(tool), "response_format", schema, "messages", messages));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        var accepted = first(settled(reply.header("x-request-id")), RequestAccepted.class);
        // 3 × 1,000 words, and a 1024×1024 image at OpenAI's rule: 85 + 170 × 4 tiles = 765.
        assertThat(accepted.estimatedInputTokens()).isBetween(3_000L + 765, 3_000L + 765 + 200);
    }

    @Test
    void anImageIsHeldAtTheRuleOfTheDearestFamilyThatMayAnswer() throws IOException {
        String anthropic = "hba" + Integer.toHexString(upstream.getPort());
        var registered = gateway.put("/admin/providers/" + anthropic, ADMIN_KEY, Map.of("wireFormat", "anthropic",
                "baseUrl", upstream.baseUrl() + "/anthropic/v1", "apiKey", "sk-ant-hold-bounds-0002"));
        assertThat(registered.status()).as(registered.body()).isEqualTo(200);
        gateway.setRate(anthropic, "claude-sonnet-4-5", "3", "15");
        upstream.stubFor(post("/anthropic/v1/messages").willReturn(aResponse().withStatus(503)));
        var account = gateway.openAccountWithCredits("1");
        var image = Map.of("type", "image_url", "image_url", Map.of("url", png(1000, 1000)));

        var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", anthropic + "/claude-sonnet-4-5",
                "max_tokens", 10, "messages", List.of(Map.of("role", "user", "content", List.of(image)))));

        assertThat(reply.status()).isEqualTo(502);
        List<TollgateEvent> events = await().atMost(Duration.ofSeconds(20))
                .until(() -> ledger().eventsOf(reply.header("x-request-id")),
                        found -> found.stream().anyMatch(ReservationReleased.class::isInstance));
        // Anthropic: 1000 × 1000 / 750 = 1,334 (OpenAI would count 765); plus the framing of one message.
        assertThat(first(events, RequestAccepted.class).estimatedInputTokens()).isBetween(1_334L, 1_334L + 10);
    }

    private static String png(int width, int height) throws IOException {
        var bytes = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), "png", bytes);
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    private static String scrape(String url) throws Exception {
        try (var http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                    .body();
        }
    }

    private static List<TollgateEvent> settled(String requestId) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> ledger().eventsOf(requestId),
                events -> events.stream().anyMatch(CreditsDebited.class::isInstance));
    }

    private static <T> T first(List<TollgateEvent> events, Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }
}
