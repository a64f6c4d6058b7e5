package io.tollgate.gateway.providers.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.ReservationReleased;
import io.tollgate.events.TokensConsumed;
import io.tollgate.events.TollgateEvent;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import io.tollgate.gateway.testing.SseAnswer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.eventstream.HeaderValue;
import software.amazon.eventstream.Message;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bedrock's Converse and ConverseStream through the gateway over HTTP, against WireMock serving Bedrock's wire
 * format (JSON bodies as in the Converse API reference; ConverseStream's binary event-stream frames encoded with
 * the AWS SDK's own encoder), in the OpenAI, Anthropic and AIGNE client shapes.
 */
class BedrockConverseTest extends GatewayTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE";
    private static final String SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private static final String MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0";
    private static final String CONVERSE = "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse";
    private static final String CONVERSE_STREAM = "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream";
    /** SigV4 with the credential's key id, a date, the credential's region and Bedrock's signing name. */
    private static final String AUTHORIZATION = "AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY_ID
            + "/\\d{8}/eu-west-3/bedrock/aws4_request, SignedHeaders=[a-z0-9;-]*x-amz-date[a-z0-9;-]*, Signature=[0-9a-f]{64}";
    /** From the Converse API reference's response syntax, with a prompt-cache read. */
    private static final String CONVERSE_ANSWER = """
            {"output":{"message":{"role":"assistant","content":[{"text":"Paris is the capital of France."}]}},
             "stopReason":"end_turn",
             "usage":{"inputTokens":1000,"outputTokens":500,"totalTokens":3500,"cacheReadInputTokens":2000,
                      "cacheWriteInputTokens":0},
             "metrics":{"latencyMs":412}}""";

    @RegisterExtension
    static WireMockExtension bedrock = OpenAiWireFormat.loopbackProvider();

    private GatewayHttp gateway;
    private String provider;
    private GatewayHttp.Account account;

    @BeforeEach
    void registerBedrock() {
        gateway = gateway();
        provider = "bedrock" + bedrock.getPort();
        var registered = gateway.put("/admin/providers/" + provider, ADMIN_KEY, Map.of("kind", "bedrock",
                "baseUrl", bedrock.baseUrl(), "apiKey", "eu-west-3:" + ACCESS_KEY_ID + ":" + SECRET_ACCESS_KEY));
        assertThat(registered.status()).as(registered.body()).isEqualTo(200);
        assertThat(registered.body()).doesNotContain(SECRET_ACCESS_KEY);
        // 0.8 credits per million input tokens, 0.08 per million read from the cache, 4 per million output
        var rate = gateway.put("/admin/rates/" + provider + "/" + MODEL, ADMIN_KEY, Map.of("inputPerMillion", "0.8",
                "cachedInputPerMillion", "0.08", "outputPerMillion", "4"));
        assertThat(rate.status()).as(rate.body()).isEqualTo(200);
        account = gateway.openAccountWithCredits("1");
    }

    @Test
    void openAiClientCallsConverseSignedForTheCredentialsRegionAndPaysUsageTimesRate() {
        bedrock.stubFor(post(urlPathEqualTo(CONVERSE)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(CONVERSE_ANSWER)));

        // The answer's usage (3,000 input tokens, most from the cache) is far above the prompt's estimate: the
        // output limit is set so that the hold covers it, since a request is never charged more than it held.
        var reply = gateway.post("/v1/chat/completions", account.key(), Map.of("model", provider + "/" + MODEL,
                "max_tokens", 1000, "temperature", 0.2, "stop", "END", "messages", List.of(
                        Map.of("role", "system", "content", "Answer in one sentence."),
                        Map.of("role", "user", "content", "What is the capital of France?"))));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().at("/choices/0/message/content").asText()).isEqualTo("Paris is the capital of France.");
        assertThat(reply.json().at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(reply.json().at("/usage/prompt_tokens").asLong()).isEqualTo(3000);
        assertThat(reply.json().at("/usage/prompt_tokens_details/cached_tokens").asLong()).isEqualTo(2000);
        bedrock.verify(postRequestedFor(urlPathEqualTo(CONVERSE))
                .withHeader("Authorization", matching(AUTHORIZATION))
                .withHeader("X-Amz-Date", matching("\\d{8}T\\d{6}Z"))
                .withRequestBody(equalToJson("""
                        {"messages":[{"role":"user","content":[{"text":"What is the capital of France?"}]}],
                         "system":[{"text":"Answer in one sentence."}],
                         "inferenceConfig":{"maxTokens":1000,"temperature":0.2,"stopSequences":["END"]}}""")));
        List<TollgateEvent> events = settled(reply.header("x-request-id"));
        var consumed = first(events, TokensConsumed.class);
        assertThat(consumed.inputTokens()).isEqualTo(3000);
        assertThat(consumed.cachedInputTokens()).isEqualTo(2000);
        assertThat(consumed.outputTokens()).isEqualTo(500);
        assertThat(consumed.estimated()).isFalse();
        // 1000 × 0.8 + 2000 × 0.08 + 500 × 4 = 800 + 160 + 2000 micro-credits
        assertThat(first(events, CreditsDebited.class).amountMicros()).isEqualTo(2_960);
    }

    @Test
    void anthropicClientStreamsThroughConverseStreamsEventFrames() {
        bedrock.stubFor(post(urlPathEqualTo(CONVERSE_STREAM)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/vnd.amazon.eventstream").withBody(frames(
                        event("messageStart", "{\"role\":\"assistant\"}"),
                        event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Bonjour\"},\"p\":\"abc\"}"),
                        event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\" tout le monde\"},\"p\":\"ab\"}"),
                        event("contentBlockStop", "{\"contentBlockIndex\":0,\"p\":\"abcdef\"}"),
                        event("messageStop", "{\"stopReason\":\"end_turn\",\"p\":\"a\"}"),
                        event("metadata", "{\"usage\":{\"inputTokens\":20,\"outputTokens\":7,\"totalTokens\":27},"
                                + "\"metrics\":{\"latencyMs\":300},\"p\":\"abcd\"}")))));

        var stream = postStream("/v1/messages", Map.of("model", provider + "/" + MODEL, "max_tokens", 100,
                "stream", true, "messages", List.of(Map.of("role", "user", "content", "Say hello in French"))));

        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.eventNames()).containsSubsequence("message_start", "content_block_start",
                "content_block_delta", "content_block_stop", "message_delta", "message_stop");
        assertThat(stream.textOf("/delta/text")).isEqualTo("Bonjour tout le monde");
        JsonNode messageDelta = stream.dataOf("message_delta").getFirst();
        assertThat(messageDelta.at("/delta/stop_reason").asText()).isEqualTo("end_turn");
        assertThat(messageDelta.at("/usage/output_tokens").asInt()).isEqualTo(7);
        bedrock.verify(postRequestedFor(urlPathEqualTo(CONVERSE_STREAM))
                .withHeader("Authorization", matching(AUTHORIZATION))
                .withHeader("Accept", equalTo("application/vnd.amazon.eventstream"))
                .withRequestBody(equalToJson("""
                        {"messages":[{"role":"user","content":[{"text":"Say hello in French"}]}],
                         "inferenceConfig":{"maxTokens":100}}""")));
        List<TollgateEvent> events = settled(stream.requestId());
        var consumed = first(events, TokensConsumed.class);
        assertThat(consumed.inputTokens()).isEqualTo(20);
        assertThat(consumed.outputTokens()).isEqualTo(7);
        assertThat(consumed.estimated()).isFalse();
        // 20 × 0.8 + 7 × 4 = 44 micro-credits
        assertThat(first(events, CreditsDebited.class).amountMicros()).isEqualTo(44);
    }

    @Test
    void openAiClientStreamsAToolCallPieceByPiece() {
        bedrock.stubFor(post(urlPathEqualTo(CONVERSE_STREAM)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/vnd.amazon.eventstream").withBody(frames(
                        event("messageStart", "{\"role\":\"assistant\"}"),
                        event("contentBlockStart", "{\"contentBlockIndex\":0,\"start\":{\"toolUse\":"
                                + "{\"toolUseId\":\"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q\",\"name\":\"get_weather\"}}}"),
                        event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"toolUse\":{\"input\":\"{\\\"city\\\":\"}}}"),
                        event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"toolUse\":{\"input\":\"\\\"Paris\\\"}\"}}}"),
                        event("contentBlockStop", "{\"contentBlockIndex\":0}"),
                        event("messageStop", "{\"stopReason\":\"tool_use\"}"),
                        event("metadata", "{\"usage\":{\"inputTokens\":50,\"outputTokens\":10,\"totalTokens\":60}}")))));

        var stream = postStream("/v1/chat/completions", Map.of("model", provider + "/" + MODEL, "stream", true,
                "stream_options", Map.of("include_usage", true),
                "tools", List.of(Map.of("type", "function", "function", Map.of("name", "get_weather",
                        "parameters", Map.of("type", "object", "properties", Map.of("city", Map.of("type", "string")))))),
                "tool_choice", "required",
                "messages", List.of(Map.of("role", "user", "content", "Weather in Paris?"))));

        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.textOf("/choices/0/delta/tool_calls/0/function/arguments")).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(stream.textOf("/choices/0/delta/tool_calls/0/id")).isEqualTo("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q");
        assertThat(stream.textOf("/choices/0/finish_reason")).isEqualTo("tool_calls");
        assertThat(stream.data().getLast().at("/usage/completion_tokens").asInt()).isEqualTo(10);
        bedrock.verify(postRequestedFor(urlPathEqualTo(CONVERSE_STREAM)).withRequestBody(equalToJson("""
                {"toolConfig":{"tools":[{"toolSpec":{"name":"get_weather","inputSchema":{"json":
                  {"type":"object","properties":{"city":{"type":"string"}}}}}}],"toolChoice":{"any":{}}}}""",
                true, true)));
        // 50 × 0.8 + 10 × 4 = 80 micro-credits
        assertThat(first(settled(stream.requestId()), CreditsDebited.class).amountMicros()).isEqualTo(80);
    }

    @Test
    void aigneClientGetsConversesAnswerInItsShape() {
        bedrock.stubFor(post(urlPathEqualTo(CONVERSE)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(CONVERSE_ANSWER)));

        var reply = gateway.post("/api/v2/chat", account.key(), Map.of("input", Map.of(
                "messages", List.of(Map.of("role", "user", "content", "Capital of France?")),
                "modelOptions", Map.of("model", provider + "/" + MODEL))));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.body()).contains("Paris is the capital of France.");
        assertThat(first(settled(reply.header("x-request-id")), CreditsDebited.class).amountMicros()).isEqualTo(2_960);
    }

    @Test
    void throttlingIsA429InOpenAisShapeAndNothingIsCharged() {
        bedrock.stubFor(post(urlPathEqualTo(CONVERSE)).willReturn(bedrockError(429, "ThrottlingException",
                "Too many requests, please wait before trying again.")));

        var reply = chat("/v1/chat/completions");

        assertThat(reply.status()).as(reply.body()).isEqualTo(429);
        assertThat(reply.json().at("/error/type").asText()).isEqualTo("rate_limit_error");
        assertNothingCharged(reply.header("x-request-id"));
    }

    @Test
    void aValidationExceptionIsA400InAnthropicsShapeWithBedrocksMessage() {
        bedrock.stubFor(post(urlPathEqualTo(CONVERSE)).willReturn(bedrockError(400, "ValidationException",
                "The model returned the following errors: temperature: range: 0..1")));

        var reply = chat("/v1/messages");

        assertThat(reply.status()).as(reply.body()).isEqualTo(400);
        assertThat(reply.json().path("type").asText()).isEqualTo("error");
        assertThat(reply.json().at("/error/message").asText()).contains("temperature: range: 0..1");
        assertNothingCharged(reply.header("x-request-id"));
    }

    @Test
    void accessDeniedDisablesTheCredentialAndIsA502() {
        bedrock.stubFor(post(urlPathEqualTo(CONVERSE)).willReturn(bedrockError(403, "AccessDeniedException",
                "You don't have access to the model with the specified model ID.")));

        var reply = chat("/v1/chat/completions");

        assertThat(reply.status()).as(reply.body()).isEqualTo(502);
        assertThat(reply.json().at("/error/code").asText()).isEqualTo("provider_auth_failed");
        assertNothingCharged(reply.header("x-request-id"));
        var credential = gateway.get("/admin/providers/" + provider, ADMIN_KEY).json().at("/credentials/0");
        assertThat(credential.path("status").asText()).isEqualTo("disabled");
        assertThat(credential.path("disabledBy").asText()).isEqualTo("provider");
    }

    @Test
    void aModelFailureIsA502() {
        bedrock.stubFor(post(urlPathEqualTo(CONVERSE)).willReturn(bedrockError(424, "ModelErrorException",
                "The model failed to process the request.")));

        var reply = chat("/v1/chat/completions");

        assertThat(reply.status()).as(reply.body()).isEqualTo(502);
        assertNothingCharged(reply.header("x-request-id"));
    }

    @Test
    void aMalformedCredentialIsRefusedAtRegistrationWithoutQuotingIt() {
        var reply = gateway.put("/admin/providers/" + provider + "-bad", ADMIN_KEY, Map.of("kind", "bedrock",
                "baseUrl", bedrock.baseUrl(), "apiKey", "not-a-region:" + SECRET_ACCESS_KEY));

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.body()).contains("REGION:ACCESS_KEY_ID:SECRET_ACCESS_KEY").doesNotContain(SECRET_ACCESS_KEY);
    }

    @Test
    void eachCredentialSignsForItsOwnRegionAndIsTestedOnTheControlPlaneWhenAdded() {
        bedrock.stubFor(get(urlPathEqualTo("/foundation-models")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("{\"modelSummaries\":[]}")));
        bedrock.stubFor(post(urlPathEqualTo(CONVERSE)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(CONVERSE_ANSWER)));

        var added = gateway.post("/admin/providers/" + provider + "/credentials", ADMIN_KEY,
                Map.of("apiKey", "us-west-2:AKIASECONDKEYEXAMPLE:" + SECRET_ACCESS_KEY + ":" + "FwoGZXIvYXdzEXAMPLETOKEN"));
        assertThat(added.status()).as(added.body()).isEqualTo(201);
        bedrock.verify(getRequestedFor(urlPathEqualTo("/foundation-models")).withHeader("Authorization",
                matching("AWS4-HMAC-SHA256 Credential=AKIASECONDKEYEXAMPLE/\\d{8}/us-west-2/bedrock/aws4_request, .*")));
        for (int call = 0; call < 2; call++) {
            assertThat(chat("/v1/chat/completions").status()).isEqualTo(200);
        }

        // equal weights take turns: one call signed for each credential's region, the session token sent along
        bedrock.verify(1, postRequestedFor(urlPathEqualTo(CONVERSE)).withHeader("Authorization", matching(AUTHORIZATION)));
        bedrock.verify(1, postRequestedFor(urlPathEqualTo(CONVERSE))
                .withHeader("Authorization", matching(".*Credential=AKIASECONDKEYEXAMPLE/\\d{8}/us-west-2/bedrock/aws4_request, .*"))
                .withHeader("X-Amz-Security-Token", equalTo("FwoGZXIvYXdzEXAMPLETOKEN")));
    }

    @Test
    void aCredentialTheControlPlaneRefusesIsNotStored() {
        bedrock.stubFor(get(urlPathEqualTo("/foundation-models")).willReturn(bedrockError(403,
                "UnrecognizedClientException", "The security token included in the request is invalid.")));

        var added = gateway.post("/admin/providers/" + provider + "/credentials", ADMIN_KEY,
                Map.of("apiKey", "us-west-2:AKIAREVOKEDEXAMPLE:" + SECRET_ACCESS_KEY));

        assertThat(added.status()).as(added.body()).isEqualTo(422);
        assertThat(gateway.get("/admin/providers/" + provider, ADMIN_KEY).json().path("credentials")).hasSize(1);
    }

    @Test
    void anExceptionFrameMidStreamEndsTheStreamAsBrokenAndBillsWhatWasStreamed() {
        Map<String, HeaderValue> exception = new LinkedHashMap<>();
        exception.put(":exception-type", HeaderValue.fromString("throttlingException"));
        exception.put(":content-type", HeaderValue.fromString("application/json"));
        exception.put(":message-type", HeaderValue.fromString("exception"));
        bedrock.stubFor(post(urlPathEqualTo(CONVERSE_STREAM)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/vnd.amazon.eventstream").withBody(frames(
                        event("messageStart", "{\"role\":\"assistant\"}"),
                        event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Once upon a time\"}}"),
                        new Message(exception, "{\"message\":\"Too many tokens, please wait.\"}".getBytes(StandardCharsets.UTF_8))))));

        var stream = postStream("/v1/chat/completions", Map.of("model", provider + "/" + MODEL, "stream", true,
                "max_tokens", 100, "messages", List.of(Map.of("role", "user", "content", "Tell me a story"))));

        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.textOf("/choices/0/delta/content")).isEqualTo("Once upon a time");
        assertThat(stream.rawData()).doesNotContain("[DONE]");
        assertThat(stream.rawData().getLast()).contains("error");
        var consumed = first(settled(stream.requestId()), TokensConsumed.class);
        assertThat(consumed.estimated()).isTrue();
        assertThat(consumed.outputTokens()).isPositive();
    }

    private GatewayHttp.Reply chat(String path) {
        return gateway.post(path, account.key(), Map.of("model", provider + "/" + MODEL, "max_tokens", 50,
                "messages", List.of(Map.of("role", "user", "content", "Hi"))));
    }

    /** Bedrock's error answer: the type in x-amzn-ErrorType, the message in the body. */
    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder bedrockError(int status, String type,
                                                                                                String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                .withHeader("x-amzn-ErrorType", type + ":http://internal.amazon.com/coral/com.amazon.bedrock/")
                .withBody("{\"message\":\"" + message + "\"}");
    }

    private void assertNothingCharged(String requestId) {
        List<TollgateEvent> events = await().atMost(Duration.ofSeconds(20)).until(() -> ledger().eventsOf(requestId),
                seen -> seen.stream().anyMatch(ReservationReleased.class::isInstance));
        assertThat(events).noneMatch(CreditsDebited.class::isInstance);
    }

    /** One event frame as ConverseStream sends it, encoded by the SDK's event-stream library. */
    static Message event(String type, String payload) {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":event-type", HeaderValue.fromString(type));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        headers.put(":message-type", HeaderValue.fromString("event"));
        return new Message(headers, payload.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] frames(Message... messages) {
        var out = new ByteArrayOutputStream();
        for (Message message : messages) {
            message.encode(out);
        }
        return out.toByteArray();
    }

    private List<TollgateEvent> settled(String requestId) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> ledger().eventsOf(requestId),
                events -> events.stream().anyMatch(CreditsDebited.class::isInstance));
    }

    private static <T> T first(List<TollgateEvent> events, Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }

    private SseAnswer postStream(String path, Map<String, Object> body) {
        try {
            var request = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                    .header("Authorization", "Bearer " + account.key())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            try (var client = HttpClient.newHttpClient()) {
                return SseAnswer.parse(client.send(request.build(), HttpResponse.BodyHandlers.ofString()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
