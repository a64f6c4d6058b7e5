package io.tollgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.mock.MockProvider;
import io.tollgate.mock.MockProviderConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the README promises, through real HTTP, the real PostgreSQL and the real broker: a completion
 * through the gateway, and within seconds the query side shows its tokens, its cost and the lower
 * balance. The mock provider counts one token per word, so every number here is known in advance.
 */
class WholeSystemTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The mock's default reply: 12 words, one token each. */
    private static final String REPLY = "This is a deterministic reply from the Tollgate mock provider. This is";

    private static TollgateSystem system;
    private static MockProvider mock;
    private static GatewayHttp gateway;
    private static String viewsUrl;
    private static String gatewayUrl;

    @BeforeAll
    static void startTheSystem() {
        system = TollgateSystem.start("e2e", MockProviderConfig.defaults());
        mock = system.mock;
        gateway = system.gateway;
        gatewayUrl = system.gatewayUrl;
        viewsUrl = system.viewsUrl;
        gateway.registerProvider("mock", mock.baseUrl() + "/v1", "mock-provider-key");
        gateway.setRate("mock", "gpt-4o", "2.5", "10");
        gateway.put("/admin/providers/mock-anthropic", system.adminKey, Map.of("wireFormat", "anthropic",
                "baseUrl", mock.baseUrl() + "/v1", "apiKey", "mock-provider-key"));
        gateway.put("/admin/providers/mock-gemini", system.adminKey, Map.of("wireFormat", "gemini",
                "baseUrl", mock.baseUrl() + "/v1beta", "apiKey", "mock-provider-key"));
        gateway.setRate("mock-anthropic", "claude-sonnet-4-5", "3", "15");
        gateway.setRate("mock-gemini", "gemini-2.5-flash", "0.5", "2.5");
    }

    @AfterAll
    static void stopTheSystem() {
        if (system != null) {
            system.close();
        }
    }

    @Test
    void aCompletionShowsUpInTheQuerySideWithItsTokensCostAndTheLowerBalance() {
        var account = gateway.openAccountWithCredits("100");

        var reply = gateway.post("/v1/chat/completions", account.key(), Map.of("model", "mock/gpt-4o",
                "messages", List.of(Map.of("role", "user", "content", "Hello Tollgate"))));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().path("choices").path(0).path("message").path("content").asText()).isEqualTo(REPLY);
        // 2 input words × 2.5 + 12 output words × 10 = 125 micro-credits
        BigDecimal cost = new BigDecimal("0.000125");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode usage = views("/api/views/accounts/" + account.id() + "/usage");
            assertThat(usage.path("requests").asLong()).isEqualTo(1);
            assertThat(usage.path("succeeded").asLong()).isEqualTo(1);
            assertThat(usage.path("inputTokens").asLong()).isEqualTo(2);
            assertThat(usage.path("outputTokens").asLong()).isEqualTo(12);
            assertThat(usage.path("credits").decimalValue()).isEqualByComparingTo(cost);
            JsonNode balance = views("/api/views/accounts/" + account.id() + "/balance");
            assertThat(balance.path("balance").decimalValue()).isEqualByComparingTo(new BigDecimal("100").subtract(cost));
            assertThat(balance.path("reserved").decimalValue()).isEqualByComparingTo(BigDecimal.ZERO);
        });
        JsonNode requests = views("/api/views/accounts/" + account.id() + "/requests");
        assertThat(requests).hasSize(1);
        assertThat(requests.path(0).path("requestId").asText()).isEqualTo(reply.header("x-request-id"));
        assertThat(requests.path(0).path("status").asText()).isEqualTo("succeeded");
        assertThat(requests.path(0).path("model").asText()).isEqualTo("gpt-4o");
    }

    @Test
    void aStreamArrivesChunkByChunkAndIsSettledFromTheProvidersUsage() throws Exception {
        var account = gateway.openAccountWithCredits("100");
        String body = JSON.writeValueAsString(Map.of("model", "mock/gpt-4o", "stream", true,
                "messages", List.of(Map.of("role", "user", "content", "Stream me three words"))));
        var request = HttpRequest.newBuilder(URI.create(gatewayUrl + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + account.key())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();

        HttpResponse<java.io.InputStream> response = HttpClient.newHttpClient()
                .send(request, HttpResponse.BodyHandlers.ofInputStream());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<JsonNode> chunks = new ArrayList<>();
        boolean done = false;
        try (var reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.equals("data: [DONE]")) {
                    done = true;
                } else if (line.startsWith("data: ")) {
                    chunks.add(JSON.readTree(line.substring(6)));
                }
            }
        }
        assertThat(done).isTrue();
        var text = new StringBuilder();
        chunks.forEach(chunk -> chunk.path("choices").forEach(c -> text.append(c.path("delta").path("content").asText(""))));
        assertThat(text.toString()).isEqualTo(REPLY);
        // The gateway asked for usage; the client did not, so it never sees the usage-only chunk.
        assertThat(chunks).noneMatch(chunk -> chunk.path("usage").isObject());

        // 4 input words × 2.5 = 10, 12 output words × 10 = 120
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode usage = views("/api/views/accounts/" + account.id() + "/usage");
            assertThat(usage.path("inputTokens").asLong()).isEqualTo(4);
            assertThat(usage.path("outputTokens").asLong()).isEqualTo(12);
            assertThat(usage.path("credits").decimalValue()).isEqualByComparingTo("0.000130");
        });
    }

    @Test
    void anAccountWithoutEnoughCreditGets402AndTheProviderIsNeverCalled() {
        var account = gateway.openAccountWithCredits("0.00001");
        long callsBefore = mock.requestCount();

        var reply = gateway.post("/v1/chat/completions", account.key(), Map.of("model", "mock/gpt-4o",
                "messages", List.of(Map.of("role", "user", "content", "Hello"))));

        assertThat(reply.status()).isEqualTo(402);
        assertThat(reply.json().path("error").path("type").asText()).isEqualTo("insufficient_quota");
        assertThat(mock.requestCount()).isEqualTo(callsBefore);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode usage = views("/api/views/accounts/" + account.id() + "/usage");
            assertThat(usage.path("rejected").asLong()).isEqualTo(1);
            assertThat(usage.path("credits").decimalValue()).isEqualByComparingTo(BigDecimal.ZERO);
        });
    }

    /**
     * An OpenAI client's forced function call, answered by each provider family in its own format and
     * translated back: the same call and arguments, billed at the family's rate for the mock's usage
     * (2 input words; the function's name plus one token per argument = 2 output tokens).
     */
    @Test
    void aForcedFunctionCallComesBackFromEveryProviderFamilyAndIsBilled() {
        var account = gateway.openAccountWithCredits("100");
        Map<String, Object> weather = Map.of("type", "function", "function", Map.of("name", "get_weather",
                "parameters", Map.of("type", "object", "properties", Map.of("location", Map.of("type", "string")),
                        "required", List.of("location"))));
        Map<String, String> costByModel = Map.of(
                "mock/gpt-4o", "0.000025",                        // 2 × 2.5 + 2 × 10 micro-credits
                "mock-anthropic/claude-sonnet-4-5", "0.000036",   // 2 × 3 + 2 × 15
                "mock-gemini/gemini-2.5-flash", "0.000006");      // 2 × 0.5 + 2 × 2.5
        BigDecimal spent = BigDecimal.ZERO;
        for (var model : costByModel.entrySet()) {
            var reply = gateway.post("/v1/chat/completions", account.key(), Map.of("model", model.getKey(),
                    "messages", List.of(Map.of("role", "user", "content", "Paris weather?")),
                    "tools", List.of(weather),
                    "tool_choice", Map.of("type", "function", "function", Map.of("name", "get_weather"))));

            assertThat(reply.status()).as(model.getKey() + ": " + reply.body()).isEqualTo(200);
            JsonNode call = reply.json().path("choices").path(0).path("message").path("tool_calls").path(0);
            assertThat(call.path("function").path("name").asText()).as(model.getKey()).isEqualTo("get_weather");
            assertThat(call.path("function").path("arguments").asText()).as(model.getKey())
                    .isEqualTo("{\"location\":\"mock-location\"}");
            assertThat(reply.json().path("usage").path("completion_tokens").asInt()).as(model.getKey()).isEqualTo(2);
            spent = spent.add(new BigDecimal(model.getValue()));
        }
        BigDecimal total = spent;
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                views("/api/views/accounts/" + account.id() + "/usage").path("credits").decimalValue())
                .isEqualByComparingTo(total));
    }

    /** The query side's read API as the gateway's proxy calls it for an admin (docs/query-side.md). */
    private static JsonNode views(String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(viewsUrl + path))
                .header("X-Tollgate-Internal-Token", system.viewsToken)
                .header("X-Tollgate-Viewer-Role", "admin")
                .GET().build();
        try (HttpClient client = HttpClient.newHttpClient()) {
            return JSON.readTree(client.send(request, HttpResponse.BodyHandlers.ofString()).body());
        } catch (Exception e) {
            throw new IllegalStateException("GET " + path + " failed", e);
        }
    }
}
