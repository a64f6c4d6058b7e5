package io.tollgate.gateway.crossformat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.ReservationReleased;
import io.tollgate.events.TokensConsumed;
import io.tollgate.events.TollgateEvent;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.SseAnswer;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static io.tollgate.gateway.testing.OpenAiWireFormat.COMPLETION;
import static io.tollgate.gateway.testing.OpenAiWireFormat.STREAM_WITH_USAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Any client format reaches any provider family: each provider is a WireMock server answering with the
 * bodies and SSE streams of its own API reference (test resources under wire/), and each test checks what
 * the provider was sent, what the client got in its own shape, and what was billed.
 */
class CrossFormatTest extends GatewayTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GEMINI_CHAT = "/v1beta/models/gemini-2.5-flash:generateContent";
    private static final String GEMINI_STREAM = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";

    @RegisterExtension
    static WireMockExtension openAiUpstream = OpenAiWireFormat.loopbackProvider();
    @RegisterExtension
    static WireMockExtension anthropicUpstream = OpenAiWireFormat.loopbackProvider();
    @RegisterExtension
    static WireMockExtension geminiUpstream = OpenAiWireFormat.loopbackProvider();

    private GatewayHttp gateway;
    private String openAi;
    private String anthropic;
    private String gemini;
    private GatewayHttp.Account account;

    @BeforeEach
    void threeProviderFamilies() {
        gateway = gateway();
        openAi = "xo" + openAiUpstream.getPort();
        anthropic = "xa" + anthropicUpstream.getPort();
        gemini = "xg" + geminiUpstream.getPort();
        register(openAi, "openai", openAiUpstream.baseUrl() + "/v1", "sk-openai-cross-0001");
        register(anthropic, "anthropic", anthropicUpstream.baseUrl() + "/v1", "sk-ant-cross-0002");
        register(gemini, "gemini", geminiUpstream.baseUrl() + "/v1beta", "AIza-gemini-cross-0003");
        gateway.setRate(openAi, "gpt-4o", "2.5", "10");
        gateway.setRate(anthropic, "claude-sonnet-4-5", "3", "15");
        gateway.setRate(gemini, "gemini-2.5-flash", "0.3", "2.5");
        account = gateway.openAccountWithCredits("5");
    }

    @Test
    void anthropicClientToOpenAiProvider() {
        openAiUpstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));

        var reply = gateway.post("/v1/messages", account.key(), Map.of("model", openAi + "/gpt-4o",
                "max_tokens", 100, "system", "Be brief.",
                "messages", List.of(Map.of("role", "user", "content", "Hello there"))));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().path("type").asText()).isEqualTo("message");
        assertThat(reply.json().path("role").asText()).isEqualTo("assistant");
        assertThat(reply.json().path("content").get(0).path("text").asText())
                .isEqualTo("Hello! How can I assist you today?");
        assertThat(reply.json().path("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(reply.json().path("usage").path("input_tokens").asInt()).isEqualTo(19);
        assertThat(reply.json().path("usage").path("output_tokens").asInt()).isEqualTo(10);
        assertThat(reply.json().path("usage").path("cost").decimalValue()).isEqualByComparingTo("0.000148");
        assertThat(reply.header("x-tollgate-cost")).isEqualTo("0.000148");
        openAiUpstream.verify(postRequestedFor(urlEqualTo(CHAT_PATH)).withRequestBody(equalToJson("""
                {"model":"gpt-4o","max_tokens":100,"messages":[{"role":"system","content":"Be brief."},
                 {"role":"user","content":"Hello there"}]}""", true, true)));
        var billed = settled(reply.header("x-request-id"));
        assertThat(first(billed, RequestAccepted.class).apiFormat()).isEqualTo("anthropic.messages");
        // 19 × 2.5 + 10 × 10 = 147.5 → 148 micro-credits
        assertThat(first(billed, CreditsDebited.class).amountMicros()).isEqualTo(148);
    }

    @Test
    void anthropicClientStreamsFromAnOpenAiProviderInAnthropicsEventSequence() {
        openAiUpstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(STREAM_WITH_USAGE)));

        var stream = postStream("/v1/messages", Map.of("model", openAi + "/gpt-4o", "max_tokens", 100,
                "stream", true, "messages", List.of(Map.of("role", "user", "content", "Hi"))), Map.of());

        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.eventNames()).containsSubsequence("message_start", "content_block_start",
                "content_block_delta", "content_block_stop", "message_delta", "message_stop");
        assertThat(stream.eventNames().getLast()).isEqualTo("message_stop");
        assertThat(stream.textOf("/delta/text")).isEqualTo("Hello there!");
        JsonNode messageDelta = stream.dataOf("message_delta").getFirst();
        assertThat(messageDelta.path("usage").path("output_tokens").asInt()).isEqualTo(3);
        var billed = settled(stream.requestId());
        // 9 × 2.5 + 3 × 10 = 52.5 → 53 micro-credits, told in the closing usage
        assertThat(first(billed, CreditsDebited.class).amountMicros()).isEqualTo(53);
        assertThat(messageDelta.path("usage").path("cost").decimalValue()).isEqualByComparingTo("0.000053");
        var consumed = first(billed, TokensConsumed.class);
        assertThat(consumed.inputTokens()).isEqualTo(9);
        assertThat(consumed.outputTokens()).isEqualTo(3);
        assertThat(consumed.estimated()).isFalse();
    }

    @Test
    void openAiClientToGeminiProvider() throws IOException {
        geminiUpstream.stubFor(post(GEMINI_CHAT).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(fixture("wire/gemini/response-text.json"))));

        var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", gemini + "/gemini-2.5-flash",
                "max_tokens", 2000, "messages", List.of(Map.of("role", "user", "content", "Explain AI briefly"))));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().path("object").asText()).isEqualTo("chat.completion");
        assertThat(reply.json().path("choices").get(0).path("message").path("content").asText())
                .isEqualTo("AI learns patterns from data to make predictions or decisions.");
        assertThat(reply.json().path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        geminiUpstream.verify(postRequestedFor(urlEqualTo(GEMINI_CHAT))
                .withHeader("x-goog-api-key", equalTo("AIza-gemini-cross-0003"))
                .withRequestBody(equalToJson("""
                        {"contents":[{"role":"user","parts":[{"text":"Explain AI briefly"}]}],
                         "generationConfig":{"maxOutputTokens":2000}}""", true, true)));
        var consumed = first(settled(reply.header("x-request-id")), TokensConsumed.class);
        assertThat(consumed.inputTokens()).isEqualTo(8);
        // candidates (12) and thoughts (1,086) are both output, as OpenAI counts reasoning
        assertThat(consumed.outputTokens()).isEqualTo(1098);
        assertThat(consumed.reasoningTokens()).isEqualTo(1086);
    }

    @Test
    void openAiClientStreamsFromGemini() throws IOException {
        geminiUpstream.stubFor(post(GEMINI_STREAM).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(fixture("wire/gemini/stream-text.sse"))));

        var stream = postStream(CHAT_PATH, Map.of("model", gemini + "/gemini-2.5-flash", "stream", true,
                "stream_options", Map.of("include_usage", true),
                "messages", List.of(Map.of("role", "user", "content", "Tell me a story"))), Map.of());

        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.textOf("/choices/0/delta/content"))
                .isEqualTo("The old lighthouse keeper, Silas, had seen a thousand storms.");
        assertThat(stream.rawData().getLast()).isEqualTo("[DONE]");
        JsonNode usage = stream.data().getLast().path("usage");
        assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(10);
        assertThat(usage.path("completion_tokens").asInt()).isEqualTo(534);
        geminiUpstream.verify(postRequestedFor(urlEqualTo(GEMINI_STREAM)));
        assertThat(first(settled(stream.requestId()), TokensConsumed.class).outputTokens()).isEqualTo(534);
    }

    @Test
    void aigneClientToAnthropicProvider() throws IOException {
        anthropicUpstream.stubFor(post("/v1/messages").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(fixture("wire/anthropic/response-text.json"))));

        var reply = gateway.post("/api/v2/chat/completions", account.key(), Map.of(
                "model", anthropic + "/claude-sonnet-4-5", "maxTokens", 600,
                "messages", List.of(Map.of("role", "user", "content", "Who are you?"))));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().path("role").asText()).isEqualTo("assistant");
        assertThat(reply.json().path("text").asText()).isEqualTo("Hi! My name is Claude.");
        anthropicUpstream.verify(postRequestedFor(urlEqualTo("/v1/messages"))
                .withHeader("x-api-key", equalTo("sk-ant-cross-0002"))
                .withHeader("anthropic-version", equalTo("2023-06-01"))
                .withRequestBody(equalToJson("""
                        {"model":"claude-sonnet-4-5","max_tokens":600,
                         "messages":[{"role":"user","content":"Who are you?"}]}""", true, true)));
        var consumed = first(settled(reply.header("x-request-id")), TokensConsumed.class);
        assertThat(consumed.inputTokens()).isEqualTo(2095);
        assertThat(consumed.outputTokens()).isEqualTo(503);
    }

    @Test
    void aigneClientStreamsFromAnthropicWhenItAcceptsAnEventStream() throws IOException {
        anthropicUpstream.stubFor(post("/v1/messages").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(fixture("wire/anthropic/stream-text.sse"))));

        var stream = postStream("/api/v2/chat/completions", Map.of("model", anthropic + "/claude-sonnet-4-5",
                "maxTokens", 100, "messages", List.of(Map.of("role", "user", "content", "Hi"))),
                Map.of("Accept", "text/event-stream"));

        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.textOf("/delta/content")).isEqualTo("Hello!");
        JsonNode usage = stream.data().getLast().path("usage");
        assertThat(usage.path("promptTokens").asInt()).isEqualTo(25);
        assertThat(usage.path("completionTokens").asInt()).isEqualTo(15);
        assertThat(first(settled(stream.requestId()), TokensConsumed.class).outputTokens()).isEqualTo(15);
    }

    @Test
    void aigneFrameworkChatReachesAnOpenAiProvider() {
        openAiUpstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));

        var reply = gateway.post("/api/v2/chat", account.key(), Map.of("input", Map.of(
                "messages", List.of(Map.of("role", "user", "content", "Hello there")),
                "modelOptions", Map.of("model", openAi + "/gpt-4o"))));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().path("text").asText()).isEqualTo("Hello! How can I assist you today?");
        assertThat(reply.json().path("usage").path("inputTokens").asInt()).isEqualTo(19);
        assertThat(reply.json().path("usage").path("outputTokens").asInt()).isEqualTo(10);
    }

    @Test
    void aigneStatusSaysWhetherAModelCanBeCalled() {
        var available = gateway.get("/api/v2/status?model=" + anthropic + "/claude-sonnet-4-5", account.key());
        var unknown = gateway.get("/api/v2/status?model=" + anthropic + "/claude-nonexistent", account.key());

        assertThat(available.status()).isEqualTo(200);
        assertThat(available.json().path("available").asBoolean()).isTrue();
        assertThat(unknown.status()).isEqualTo(200);
        assertThat(unknown.json().path("available").asBoolean()).isFalse();
    }

    @Test
    void eachApiGetsItsOwnErrorShape() {
        var anthropicError = gateway.post("/v1/messages", account.key(), Map.of("model", openAi + "/gpt-4o",
                "messages", List.of(Map.of("role", "user", "content", "Hi"))));
        var aigneError = gateway.post("/api/v2/chat/completions", account.key(), Map.of("model", openAi + "/gpt-4o"));
        var openAiError = gateway.post(CHAT_PATH, account.key(), Map.of("model", openAi + "/gpt-4o"));

        assertThat(anthropicError.status()).isEqualTo(400);
        assertThat(anthropicError.json().path("type").asText()).isEqualTo("error");
        assertThat(anthropicError.json().path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(anthropicError.json().path("error").path("message").asText()).contains("max_tokens");
        assertThat(aigneError.status()).isEqualTo(400);
        assertThat(aigneError.json().path("error").path("message").asText()).isNotBlank();
        assertThat(openAiError.status()).isEqualTo(400);
        assertThat(openAiError.json().path("error").path("type").asText()).isEqualTo("invalid_request_error");
        openAiUpstream.verify(0, postRequestedFor(urlEqualTo(CHAT_PATH)));
    }

    @Test
    void aRequestAProviderFamilyCannotExpressIsA400AndItsReservationIsReleased() {
        var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", anthropic + "/claude-sonnet-4-5", "n", 2,
                "max_tokens", 10, "messages", List.of(Map.of("role", "user", "content", "Two answers"))));

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().path("error").path("message").asText()).contains("n");
        anthropicUpstream.verify(0, postRequestedFor(urlEqualTo("/v1/messages")));
        await().atMost(Duration.ofSeconds(20)).until(() -> ledger().eventsOf(reply.header("x-request-id")),
                events -> events.stream().anyMatch(ReservationReleased.class::isInstance));
    }

    @Test
    void anUnreadableAnswerIsA502AndNothingIsCharged() {
        anthropicUpstream.stubFor(post("/v1/messages").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("<html>maintenance</html>")));

        var reply = gateway.post("/v1/messages", account.key(), Map.of("model", anthropic + "/claude-sonnet-4-5",
                "max_tokens", 10, "messages", List.of(Map.of("role", "user", "content", "Hi"))));

        assertThat(reply.status()).isEqualTo(502);
        assertThat(reply.json().path("error").path("type").asText()).isEqualTo("api_error");
        List<TollgateEvent> events = await().atMost(Duration.ofSeconds(20))
                .until(() -> ledger().eventsOf(reply.header("x-request-id")),
                        seen -> seen.stream().anyMatch(ReservationReleased.class::isInstance));
        assertThat(events).noneMatch(CreditsDebited.class::isInstance);
    }

    @Test
    void notEnoughCreditIsAnAnthropicErrorForAnAnthropicClient() {
        var poor = gateway.openAccountWithCredits("0.000001");

        var reply = gateway.post("/v1/messages", poor.key(), Map.of("model", anthropic + "/claude-sonnet-4-5",
                "max_tokens", 1000, "messages", List.of(Map.of("role", "user", "content", "Write an essay"))));

        assertThat(reply.status()).isEqualTo(402);
        assertThat(reply.json().path("type").asText()).isEqualTo("error");
        assertThat(reply.json().path("error").path("type").asText()).isEqualTo("billing_error");
        anthropicUpstream.verify(0, postRequestedFor(urlEqualTo("/v1/messages")));
    }

    private void register(String name, String wireFormat, String baseUrl, String key) {
        var reply = gateway.put("/admin/providers/" + name, ADMIN_KEY,
                Map.of("wireFormat", wireFormat, "baseUrl", baseUrl, "apiKey", key));
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    }

    private List<TollgateEvent> settled(String requestId) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> ledger().eventsOf(requestId),
                events -> events.stream().anyMatch(CreditsDebited.class::isInstance));
    }

    private static <T> T first(List<TollgateEvent> events, Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }

    private static String fixture(String path) throws IOException {
        try (InputStream in = CrossFormatTest.class.getClassLoader().getResourceAsStream(path)) {
            assertThat(in).as(path).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private SseAnswer postStream(String path, Map<String, Object> body, Map<String, String> headers) {
        try {
            var request = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                    .header("Authorization", "Bearer " + account.key())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            headers.forEach(request::header);
            try (var client = HttpClient.newHttpClient()) {
                HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
                return SseAnswer.parse(response);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
