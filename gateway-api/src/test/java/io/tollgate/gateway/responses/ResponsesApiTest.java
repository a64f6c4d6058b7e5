package io.tollgate.gateway.responses;

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
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static io.tollgate.gateway.testing.OpenAiWireFormat.COMPLETION;
import static io.tollgate.gateway.testing.OpenAiWireFormat.STREAM_WITH_USAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * OpenAI's Responses API over HTTP, against WireMock providers of the three families: the answer and the
 * event stream in the API's shape, what the provider was sent, stored responses per account, and the
 * usage and cost in the answer equal to what the ledger recorded.
 */
class ResponsesApiTest extends GatewayTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GEMINI_CHAT = "/v1beta/models/gemini-2.5-flash:generateContent";
    private static final String GEMINI_STREAM = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";
    /** A function call, as OpenAI's API reference shows it for chat completions. */
    private static final String TOOL_CALL = """
            {"id":"chatcmpl-abc123","object":"chat.completion","created":1699896916,"model":"gpt-4o",
             "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_abc123",
             "type":"function","function":{"name":"get_weather","arguments":"{\\"location\\":\\"Boston, MA\\"}"}}]},
             "logprobs":null,"finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":82,"completion_tokens":17,"total_tokens":99}}""";
    private static final Map<String, Object> WEATHER_TOOL = Map.of("type", "function", "name", "get_weather",
            "description", "The weather in a city",
            "parameters", Map.of("type", "object", "properties", Map.of("location", Map.of("type", "string")),
                    "required", List.of("location")));

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
        openAi = "ro" + openAiUpstream.getPort();
        anthropic = "ra" + anthropicUpstream.getPort();
        gemini = "rg" + geminiUpstream.getPort();
        register(openAi, "openai", openAiUpstream.baseUrl() + "/v1", "sk-openai-resp-0001");
        register(anthropic, "anthropic", anthropicUpstream.baseUrl() + "/v1", "sk-ant-resp-0002");
        register(gemini, "gemini", geminiUpstream.baseUrl() + "/v1beta", "AIza-gemini-resp-0003");
        gateway.setRate(openAi, "gpt-4o", "2.5", "10");
        gateway.setRate(anthropic, "claude-sonnet-4-5", "3", "15");
        gateway.setRate(gemini, "gemini-2.5-flash", "0.3", "2.5");
        account = gateway.openAccountWithCredits("5");
    }

    @Test
    void aResponseFromAnOpenAiCompatibleProviderIsStoredAndSaysWhatItCost() {
        openAiUpstream.stubFor(post(CHAT_PATH).willReturn(json(COMPLETION)));

        var reply = gateway.post("/v1/responses", account.key(), Map.of("model", openAi + "/gpt-4o",
                "instructions", "Be brief.", "input", "Hello there", "max_output_tokens", 100,
                "temperature", 0.5, "metadata", Map.of("ticket", "T-1")));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode response = reply.json();
        assertThat(response.path("id").asText()).startsWith("resp_");
        assertThat(response.path("object").asText()).isEqualTo("response");
        assertThat(response.path("status").asText()).isEqualTo("completed");
        assertThat(response.path("instructions").asText()).isEqualTo("Be brief.");
        assertThat(response.path("max_output_tokens").asInt()).isEqualTo(100);
        assertThat(response.path("metadata").path("ticket").asText()).isEqualTo("T-1");
        assertThat(response.path("store").asBoolean()).isTrue();
        JsonNode message = response.path("output").get(0);
        assertThat(message.path("type").asText()).isEqualTo("message");
        assertThat(message.path("role").asText()).isEqualTo("assistant");
        assertThat(message.path("id").asText()).startsWith("msg_");
        assertThat(message.path("content").get(0).path("type").asText()).isEqualTo("output_text");
        assertThat(message.path("content").get(0).path("text").asText()).isEqualTo("Hello! How can I assist you today?");
        JsonNode usage = response.path("usage");
        assertThat(usage.path("input_tokens").asInt()).isEqualTo(19);
        assertThat(usage.path("output_tokens").asInt()).isEqualTo(10);
        assertThat(usage.path("total_tokens").asInt()).isEqualTo(29);
        assertThat(usage.path("input_tokens_details").path("cached_tokens").asInt()).isZero();
        assertThat(usage.path("output_tokens_details").path("reasoning_tokens").asInt()).isZero();
        assertThat(usage.path("cost").decimalValue()).isEqualByComparingTo("0.000148");
        assertThat(reply.header("x-tollgate-cost")).isEqualTo("0.000148");
        openAiUpstream.verify(postRequestedFor(urlEqualTo(CHAT_PATH)).withRequestBody(equalToJson("""
                {"model":"gpt-4o","max_tokens":100,"temperature":0.5,
                 "messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hello there"}]}""",
                true, true)));
        var billed = settled(reply.header("x-request-id"));
        assertThat(first(billed, RequestAccepted.class).apiFormat()).isEqualTo("openai.responses");
        // 19 × 2.5 + 10 × 10 = 147.5 → 148 micro-credits
        assertThat(first(billed, CreditsDebited.class).amountMicros()).isEqualTo(148);

        var stored = gateway.get("/v1/responses/" + response.path("id").asText(), account.key());
        assertThat(stored.status()).as(stored.body()).isEqualTo(200);
        assertThat(stored.json()).isEqualTo(response);
        var inputItems = gateway.get("/v1/responses/" + response.path("id").asText() + "/input_items", account.key());
        assertThat(inputItems.status()).isEqualTo(200);
        assertThat(inputItems.json().path("object").asText()).isEqualTo("list");
        JsonNode item = inputItems.json().path("data").get(0);
        assertThat(item.path("role").asText()).isEqualTo("user");
        assertThat(item.path("content").get(0).path("text").asText()).isEqualTo("Hello there");
        assertThat(inputItems.json().path("has_more").asBoolean()).isFalse();
    }

    @Test
    void aStreamIsTheApisTypedEventsAndItsCompletedEventCarriesTheDebit() {
        openAiUpstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(STREAM_WITH_USAGE)));

        var stream = postStream(account.key(), Map.of("model", openAi + "/gpt-4o", "stream", true, "input", "Hi"));

        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.eventNames()).containsExactly("response.created", "response.in_progress",
                "response.output_item.added", "response.content_part.added", "response.output_text.delta",
                "response.output_text.delta", "response.output_text.done", "response.content_part.done",
                "response.output_item.done", "response.completed");
        List<JsonNode> events = stream.data();
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).path("sequence_number").asInt()).isEqualTo(i);
            assertThat(events.get(i).path("type").asText()).isEqualTo(stream.eventNames().get(i));
        }
        assertThat(stream.textOf("response.output_text.delta", "/delta")).isEqualTo("Hello there!");
        assertThat(stream.dataOf("response.output_text.done").getFirst().path("text").asText()).isEqualTo("Hello there!");
        JsonNode completed = stream.dataOf("response.completed").getFirst().path("response");
        assertThat(completed.path("status").asText()).isEqualTo("completed");
        assertThat(completed.path("output").get(0).path("content").get(0).path("text").asText()).isEqualTo("Hello there!");
        assertThat(completed.path("usage").path("input_tokens").asInt()).isEqualTo(9);
        assertThat(completed.path("usage").path("output_tokens").asInt()).isEqualTo(3);
        var billed = settled(stream.requestId());
        // 9 × 2.5 + 3 × 10 = 52.5 → 53 micro-credits
        assertThat(first(billed, CreditsDebited.class).amountMicros()).isEqualTo(53);
        assertThat(completed.path("usage").path("cost").decimalValue()).isEqualByComparingTo("0.000053");
        openAiUpstream.verify(postRequestedFor(urlEqualTo(CHAT_PATH)).withRequestBody(equalToJson("""
                {"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},
                 "messages":[{"role":"user","content":"Hi"}]}""", true, true)));

        var stored = gateway.get("/v1/responses/" + completed.path("id").asText(), account.key());
        assertThat(stored.status()).isEqualTo(200);
        assertThat(stored.json()).isEqualTo(completed);
    }

    @Test
    void anAnthropicProviderAnswersAFunctionCallAndTheLedgerChargesWhatTheAnswerSays() throws IOException {
        anthropicUpstream.stubFor(post("/v1/messages").willReturn(json(fixture("wire/anthropic/response-tool-use.json"))));

        var reply = gateway.post("/v1/responses", account.key(), Map.of("model", anthropic + "/claude-sonnet-4-5",
                "input", List.of(Map.of("role", "user", "content", List.of(
                        Map.of("type", "input_text", "text", "Weather in San Francisco?")))),
                "tools", List.of(WEATHER_TOOL), "tool_choice", "auto", "max_output_tokens", 500));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode output = reply.json().path("output");
        assertThat(output.get(0).path("content").get(0).path("text").asText())
                .isEqualTo("I'll check the current weather in San Francisco for you.");
        JsonNode call = output.get(1);
        assertThat(call.path("type").asText()).isEqualTo("function_call");
        assertThat(call.path("call_id").asText()).isEqualTo("toolu_01A09q90qw90lq917835lq9");
        assertThat(call.path("name").asText()).isEqualTo("get_weather");
        assertThat(JSON.readTree(call.path("arguments").asText()).path("location").asText()).isEqualTo("San Francisco, CA");
        anthropicUpstream.verify(postRequestedFor(urlEqualTo("/v1/messages")).withRequestBody(equalToJson("""
                {"model":"claude-sonnet-4-5","max_tokens":500,
                 "messages":[{"role":"user","content":"Weather in San Francisco?"}],
                 "tools":[{"name":"get_weather","description":"The weather in a city"}],
                 "tool_choice":{"type":"auto"}}""", true, true)));
        assertLedgerAgreesWith(reply.json().path("usage"), reply.header("x-request-id"));
    }

    @Test
    void anAnthropicStreamWithAToolCallBecomesFunctionCallEvents() throws IOException {
        anthropicUpstream.stubFor(post("/v1/messages").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(fixture("wire/anthropic/stream-tool-use.sse"))));

        var stream = postStream(account.key(), Map.of("model", anthropic + "/claude-sonnet-4-5", "stream", true,
                "input", "Weather in San Francisco?", "tools", List.of(WEATHER_TOOL)));

        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.eventNames()).containsSubsequence("response.created", "response.output_text.delta",
                "response.output_item.done", "response.output_item.added", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done", "response.completed");
        JsonNode argumentsDone = stream.dataOf("response.function_call_arguments.done").getFirst();
        assertThat(argumentsDone.path("name").asText()).isEqualTo("get_weather");
        assertThat(stream.textOf("response.function_call_arguments.delta", "/delta"))
                .isEqualTo(argumentsDone.path("arguments").asText());
        JsonNode completed = stream.dataOf("response.completed").getFirst().path("response");
        assertThat(completed.path("output").get(1).path("type").asText()).isEqualTo("function_call");
        assertThat(completed.path("output").get(1).path("arguments").asText()).isEqualTo(argumentsDone.path("arguments").asText());
        assertLedgerAgreesWith(completed.path("usage"), stream.requestId());
    }

    @Test
    void aGeminiProviderAnswersJsonAndStreams() throws IOException {
        geminiUpstream.stubFor(post(GEMINI_CHAT).willReturn(json(fixture("wire/gemini/response-text.json"))));
        geminiUpstream.stubFor(post(GEMINI_STREAM).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(fixture("wire/gemini/stream-text.sse"))));

        var reply = gateway.post("/v1/responses", account.key(), Map.of("model", gemini + "/gemini-2.5-flash",
                "input", "Explain AI briefly"));
        var stream = postStream(account.key(), Map.of("model", gemini + "/gemini-2.5-flash", "stream", true,
                "input", "Tell me a story"));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().path("output").get(0).path("content").get(0).path("text").asText())
                .isEqualTo("AI learns patterns from data to make predictions or decisions.");
        assertThat(reply.json().path("usage").path("output_tokens_details").path("reasoning_tokens").asInt())
                .isEqualTo(1086);
        assertLedgerAgreesWith(reply.json().path("usage"), reply.header("x-request-id"));
        assertThat(stream.textOf("response.output_text.delta", "/delta"))
                .isEqualTo("The old lighthouse keeper, Silas, had seen a thousand storms.");
        assertLedgerAgreesWith(stream.dataOf("response.completed").getFirst().path("response").path("usage"),
                stream.requestId());
    }

    @Test
    void aFunctionCallIsAnsweredInASecondTurnThatContinuesTheStoredConversation() {
        openAiUpstream.stubFor(post(CHAT_PATH).atPriority(2).willReturn(json(TOOL_CALL)));
        openAiUpstream.stubFor(post(CHAT_PATH).atPriority(1)
                .withRequestBody(matchingJsonPath("$.messages[?(@.role == 'tool')]")).willReturn(json(COMPLETION)));

        var first = gateway.post("/v1/responses", account.key(), Map.of("model", openAi + "/gpt-4o",
                "instructions", "Use the tools.", "input", "Weather in Boston?", "tools", List.of(WEATHER_TOOL),
                "tool_choice", Map.of("type", "function", "name", "get_weather")));
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        JsonNode call = first.json().path("output").get(0);
        assertThat(call.path("type").asText()).isEqualTo("function_call");
        assertThat(call.path("call_id").asText()).isEqualTo("call_abc123");
        assertThat(call.path("arguments").asText()).isEqualTo("{\"location\":\"Boston, MA\"}");

        var second = gateway.post("/v1/responses", account.key(), Map.of("model", openAi + "/gpt-4o",
                "previous_response_id", first.json().path("id").asText(), "tools", List.of(WEATHER_TOOL),
                "input", List.of(Map.of("type", "function_call_output", "call_id", "call_abc123",
                        "output", "{\"temperature\":\"22C\"}"))));

        assertThat(second.status()).as(second.body()).isEqualTo(200);
        assertThat(second.json().path("previous_response_id").asText()).isEqualTo(first.json().path("id").asText());
        assertThat(second.json().path("output").get(0).path("content").get(0).path("text").asText())
                .isEqualTo("Hello! How can I assist you today?");
        openAiUpstream.verify(postRequestedFor(urlEqualTo(CHAT_PATH)).withRequestBody(equalToJson("""
                {"model":"gpt-4o","tool_choice":{"type":"function","function":{"name":"get_weather"}},
                 "messages":[{"role":"system","content":"Use the tools."},{"role":"user","content":"Weather in Boston?"}]}""",
                true, true)));
        // instructions are not carried over (as in OpenAI's API); the conversation is
        openAiUpstream.verify(postRequestedFor(urlEqualTo(CHAT_PATH)).withRequestBody(equalToJson("""
                {"model":"gpt-4o","messages":[{"role":"user","content":"Weather in Boston?"},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"call_abc123","type":"function",
                    "function":{"name":"get_weather","arguments":"{\\"location\\":\\"Boston, MA\\"}"}}]},
                  {"role":"tool","tool_call_id":"call_abc123","content":"{\\"temperature\\":\\"22C\\"}"}]}""",
                true, true)));
    }

    @Test
    void anotherAccountsResponseIsNotFoundAnywhere() {
        openAiUpstream.stubFor(post(CHAT_PATH).willReturn(json(COMPLETION)));
        var mine = gateway.post("/v1/responses", account.key(), Map.of("model", openAi + "/gpt-4o", "input", "Hello"));
        assertThat(mine.status()).isEqualTo(200);
        String id = mine.json().path("id").asText();
        var other = gateway.openAccountWithCredits("5");

        var read = gateway.get("/v1/responses/" + id, other.key());
        var items = gateway.get("/v1/responses/" + id + "/input_items", other.key());
        var deleted = gateway.delete("/v1/responses/" + id, other.key());
        var continued = gateway.post("/v1/responses", other.key(), Map.of("model", openAi + "/gpt-4o",
                "previous_response_id", id, "input", "And then?"));

        for (var reply : List.of(read, items, deleted, continued)) {
            assertThat(reply.status()).as(reply.body()).isEqualTo(404);
            assertThat(reply.json().path("error").path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(reply.body()).doesNotContain("Hello");
        }
        openAiUpstream.verify(1, postRequestedFor(urlEqualTo(CHAT_PATH)));
        assertThat(gateway.get("/v1/responses/" + id, account.key()).status()).isEqualTo(200);
    }

    @Test
    void aDeletedOrUnstoredResponseCannotBeReadOrContinued() {
        openAiUpstream.stubFor(post(CHAT_PATH).willReturn(json(COMPLETION)));
        var unstored = gateway.post("/v1/responses", account.key(), Map.of("model", openAi + "/gpt-4o",
                "input", "Hello", "store", false));
        var stored = gateway.post("/v1/responses", account.key(), Map.of("model", openAi + "/gpt-4o", "input", "Hello"));
        String storedId = stored.json().path("id").asText();

        var deleted = gateway.delete("/v1/responses/" + storedId, account.key());

        assertThat(unstored.json().path("store").asBoolean()).isFalse();
        assertThat(gateway.get("/v1/responses/" + unstored.json().path("id").asText(), account.key()).status())
                .isEqualTo(404);
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json().path("deleted").asBoolean()).isTrue();
        assertThat(gateway.get("/v1/responses/" + storedId, account.key()).status()).isEqualTo(404);
        var continued = gateway.post("/v1/responses", account.key(), Map.of("model", openAi + "/gpt-4o",
                "previous_response_id", storedId, "input", "And then?"));
        assertThat(continued.status()).isEqualTo(404);
        assertThat(continued.json().path("error").path("code").asText()).isEqualTo("previous_response_not_found");
    }

    @Test
    void anAccountThatCannotPayGetsA402InOpenAisShapeAndTheProviderIsNotCalled() {
        var poor = gateway.openAccountWithCredits("0.000001");

        var reply = gateway.post("/v1/responses", poor.key(), Map.of("model", anthropic + "/claude-sonnet-4-5",
                "max_output_tokens", 1000, "input", "Write an essay"));

        assertThat(reply.status()).isEqualTo(402);
        assertThat(reply.json().path("error").path("message").asText()).isNotBlank();
        assertThat(reply.json().path("error").has("type")).isTrue();
        anthropicUpstream.verify(0, postRequestedFor(urlEqualTo("/v1/messages")));
    }

    @Test
    void aProviderRefusalIsAnOpenAiErrorAndNothingIsCharged() {
        anthropicUpstream.stubFor(post("/v1/messages").willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json").withBody("""
                        {"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long"}}""")));

        var reply = gateway.post("/v1/responses", account.key(), Map.of("model", anthropic + "/claude-sonnet-4-5",
                "input", "Hello"));

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().path("error").path("message").asText()).contains("prompt is too long");
        assertThat(reply.json().path("error").path("type").asText()).isEqualTo("invalid_request_error");
        List<TollgateEvent> events = await().atMost(Duration.ofSeconds(20))
                .until(() -> ledger().eventsOf(reply.header("x-request-id")),
                        seen -> seen.stream().anyMatch(ReservationReleased.class::isInstance));
        assertThat(events).noneMatch(CreditsDebited.class::isInstance);
    }

    @Test
    void aStreamThatBreaksOffEndsWithResponseFailedAndWhatWasStreamedIsBilled() throws IOException {
        anthropicUpstream.stubFor(post("/v1/messages").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(fixture("wire/anthropic/stream-error.sse"))));

        var stream = postStream(account.key(), Map.of("model", anthropic + "/claude-sonnet-4-5", "stream", true,
                "input", "Tell me a story"));

        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.eventNames().getLast()).isEqualTo("response.failed");
        JsonNode failed = stream.data().getLast();
        assertThat(failed.path("sequence_number").asInt()).isEqualTo(stream.data().size() - 1);
        assertThat(failed.path("response").path("status").asText()).isEqualTo("failed");
        assertThat(failed.path("response").path("error").path("message").asText()).isNotBlank();
        assertThat(stream.eventNames()).doesNotContain("response.completed");
        assertThat(first(settled(stream.requestId()), CreditsDebited.class).amountMicros()).isPositive();
    }

    @Test
    void whatTheGatewayCannotDoIsA400BeforeAnythingIsReserved() {
        var builtInTool = gateway.post("/v1/responses", account.key(), Map.of("model", openAi + "/gpt-4o",
                "input", "News?", "tools", List.of(Map.of("type", "web_search"))));
        var background = gateway.post("/v1/responses", account.key(), Map.of("model", openAi + "/gpt-4o",
                "input", "Hi", "background", true));
        var noInput = gateway.post("/v1/responses", account.key(), Map.of("model", openAi + "/gpt-4o"));
        var fileInput = gateway.post("/v1/responses", account.key(), Map.of("model", openAi + "/gpt-4o",
                "input", List.of(Map.of("role", "user", "content", List.of(Map.of("type", "input_file", "file_id", "f"))))));

        for (var reply : List.of(builtInTool, background, noInput, fileInput)) {
            assertThat(reply.status()).as(reply.body()).isEqualTo(400);
            assertThat(reply.json().path("error").path("type").asText()).isEqualTo("invalid_request_error");
        }
        assertThat(builtInTool.json().path("error").path("message").asText()).contains("web_search");
        openAiUpstream.verify(0, postRequestedFor(urlEqualTo(CHAT_PATH)));
    }

    @Test
    void jsonSchemaOutputAndImagesReachTheProviderInTheChatShape() {
        openAiUpstream.stubFor(post(CHAT_PATH).willReturn(json(COMPLETION)));
        Map<String, Object> schema = Map.of("type", "object", "properties", Map.of("city", Map.of("type", "string")));

        var reply = gateway.post("/v1/responses", account.key(), Map.of("model", openAi + "/gpt-4o",
                "input", List.of(Map.of("type", "message", "role", "user", "content", List.of(
                        Map.of("type", "input_text", "text", "Where is this?"),
                        Map.of("type", "input_image", "image_url", "https://example.com/a.png", "detail", "low")))),
                "text", Map.of("format", Map.of("type", "json_schema", "name", "place", "schema", schema, "strict", true))));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().path("text").path("format").path("name").asText()).isEqualTo("place");
        openAiUpstream.verify(postRequestedFor(urlEqualTo(CHAT_PATH)).withRequestBody(equalToJson("""
                {"response_format":{"type":"json_schema","json_schema":{"name":"place","strict":true,
                   "schema":{"type":"object","properties":{"city":{"type":"string"}}}}},
                 "messages":[{"role":"user","content":[{"type":"text","text":"Where is this?"},
                   {"type":"image_url","image_url":{"url":"https://example.com/a.png","detail":"low"}}]}]}""",
                true, true)));
    }

    private void assertLedgerAgreesWith(JsonNode usage, String requestId) {
        var billed = settled(requestId);
        var consumed = first(billed, TokensConsumed.class);
        assertThat(usage.path("input_tokens").asLong()).isEqualTo(consumed.inputTokens());
        assertThat(usage.path("output_tokens").asLong()).isEqualTo(consumed.outputTokens());
        assertThat(usage.path("input_tokens_details").path("cached_tokens").asLong()).isEqualTo(consumed.cachedInputTokens());
        long debited = first(billed, CreditsDebited.class).amountMicros();
        assertThat(debited).isPositive();
        assertThat(usage.path("cost").decimalValue())
                .isEqualByComparingTo(BigDecimal.valueOf(debited).movePointLeft(6));
    }

    private void register(String name, String wireFormat, String baseUrl, String key) {
        var reply = gateway.put("/admin/providers/" + name, ADMIN_KEY,
                Map.of("wireFormat", wireFormat, "baseUrl", baseUrl, "apiKey", key));
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body);
    }

    private List<TollgateEvent> settled(String requestId) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> ledger().eventsOf(requestId),
                events -> events.stream().anyMatch(CreditsDebited.class::isInstance));
    }

    private static <T> T first(List<TollgateEvent> events, Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }

    private static String fixture(String path) throws IOException {
        try (InputStream in = ResponsesApiTest.class.getClassLoader().getResourceAsStream(path)) {
            assertThat(in).as(path).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private SseAnswer postStream(String key, Map<String, Object> body) {
        try {
            var request = HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/responses"))
                    .header("Authorization", "Bearer " + key)
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
