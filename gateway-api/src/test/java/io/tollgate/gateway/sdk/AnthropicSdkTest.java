package io.tollgate.gateway.sdk;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.MessageTokensCount;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolUseBlock;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static io.tollgate.gateway.testing.OpenAiWireFormat.STREAM_WITH_USAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The official Anthropic Java SDK pointed at Tollgate (its key in {@code x-api-key}, as the SDK sends
 * it): chat, streaming and tools against an Anthropic provider, and streaming from an OpenAI provider.
 */
class AnthropicSdkTest extends GatewayTestBase {
    @RegisterExtension
    static WireMockExtension anthropicUpstream = OpenAiWireFormat.loopbackProvider();
    @RegisterExtension
    static WireMockExtension openAiUpstream = OpenAiWireFormat.loopbackProvider();

    private GatewayHttp gateway;
    private String anthropic;
    private String openAi;
    private AnthropicClient sdk;

    @BeforeEach
    void sdkPointedAtTollgate() {
        gateway = gateway();
        anthropic = "asdk" + anthropicUpstream.getPort();
        openAi = "osdk" + openAiUpstream.getPort();
        var registered = gateway.put("/admin/providers/" + anthropic, ADMIN_KEY, Map.of("wireFormat", "anthropic",
                "baseUrl", anthropicUpstream.baseUrl() + "/v1", "apiKey", "sk-ant-sdk-provider-0001"));
        assertThat(registered.status()).as(registered.body()).isEqualTo(200);
        gateway.registerProvider(openAi, openAiUpstream.baseUrl() + "/v1", "sk-openai-sdk-provider-0002");
        gateway.setRate(anthropic, "claude-sonnet-4-5", "3", "15");
        gateway.setRate(openAi, "gpt-4o", "2.5", "10");
        sdk = client(gateway.openAccountWithCredits("5").key());
    }

    @AfterEach
    void closeSdk() {
        sdk.close();
    }

    @Test
    void chat() throws IOException {
        anthropicUpstream.stubFor(post("/v1/messages").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(fixture("wire/anthropic/response-text.json"))));

        Message message = sdk.messages().create(MessageCreateParams.builder().model(anthropic + "/claude-sonnet-4-5")
                .maxTokens(1024).addUserMessage("Hello, Claude").build());

        assertThat(message.content().getFirst().text().orElseThrow().text()).isEqualTo("Hi! My name is Claude.");
        assertThat(message.stopReason()).contains(StopReason.END_TURN);
        assertThat(message.usage().inputTokens()).isEqualTo(2095);
        assertThat(message.usage().outputTokens()).isEqualTo(503);
        anthropicUpstream.verify(postRequestedFor(urlEqualTo("/v1/messages"))
                .withHeader("x-api-key", equalTo("sk-ant-sdk-provider-0001"))
                .withRequestBody(equalToJson("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024}", true, true)));
    }

    @Test
    void streaming() throws IOException {
        anthropicUpstream.stubFor(post("/v1/messages").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(fixture("wire/anthropic/stream-text.sse"))));

        Message message = accumulate(MessageCreateParams.builder().model(anthropic + "/claude-sonnet-4-5")
                .maxTokens(256).addUserMessage("Hi").build());

        assertThat(message.content().getFirst().text().orElseThrow().text()).isEqualTo("Hello!");
        assertThat(message.usage().outputTokens()).isEqualTo(15);
    }

    @Test
    void tools() throws IOException {
        anthropicUpstream.stubFor(post("/v1/messages").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody(fixture("wire/anthropic/response-tool-use.json"))));

        Message message = sdk.messages().create(MessageCreateParams.builder().model(anthropic + "/claude-sonnet-4-5")
                .maxTokens(1024).addUserMessage("What is the weather like in San Francisco?")
                .addTool(Tool.builder().name("get_weather").description("Get the current weather in a given location")
                        .inputSchema(Tool.InputSchema.builder().properties(JsonValue.from(Map.of("location",
                                Map.of("type", "string")))).build())
                        .build())
                .build());

        ToolUseBlock toolUse = message.content().stream().flatMap(block -> block.toolUse().stream()).findFirst()
                .orElseThrow();
        assertThat(toolUse.name()).isEqualTo("get_weather");
        assertThat(toolUse._input().toString()).contains("San Francisco, CA");
        assertThat(message.stopReason()).contains(StopReason.TOOL_USE);
        anthropicUpstream.verify(postRequestedFor(urlEqualTo("/v1/messages")).withRequestBody(equalToJson(
                "{\"tools\":[{\"name\":\"get_weather\"}]}", true, true)));
    }

    @Test
    void streamingFromAnOpenAiProvider() {
        openAiUpstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(STREAM_WITH_USAGE)));

        Message message = accumulate(MessageCreateParams.builder().model(openAi + "/gpt-4o")
                .maxTokens(256).addUserMessage("Hi").build());

        assertThat(message.content().getFirst().text().orElseThrow().text()).isEqualTo("Hello there!");
        assertThat(message.usage().outputTokens()).isEqualTo(3);
    }

    @Test
    void errorsReachTheSdkAsItsOwnExceptionTypes() {
        assertThatThrownBy(() -> sdk.messages().create(MessageCreateParams.builder()
                .model(anthropic + "/claude-sonnet-4-5").maxTokens(0).addUserMessage("Hi").build()))
                .isInstanceOf(BadRequestException.class);
        AnthropicClient stranger = client("tg-not-a-real-key");
        try {
            assertThatThrownBy(() -> stranger.messages().create(MessageCreateParams.builder()
                    .model(anthropic + "/claude-sonnet-4-5").maxTokens(10).addUserMessage("Hi").build()))
                    .isInstanceOf(UnauthorizedException.class);
        } finally {
            stranger.close();
        }
        AnthropicClient poor = client(gateway.openAccountWithCredits("0.000001").key());
        try {
            assertThatThrownBy(() -> poor.messages().create(MessageCreateParams.builder()
                    .model(anthropic + "/claude-sonnet-4-5").maxTokens(1000).addUserMessage("Hi").build()))
                    .isInstanceOfSatisfying(AnthropicServiceException.class,
                            e -> assertThat(e.statusCode()).isEqualTo(402));
        } finally {
            poor.close();
        }
        anthropicUpstream.verify(0, postRequestedFor(urlEqualTo("/v1/messages")));
    }

    @Test
    void countTokensIsAnsweredByTheAnthropicProviderWithItsOwnKeyAndModelAndNothingIsBilled() {
        anthropicUpstream.stubFor(post("/v1/messages/count_tokens").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("{\"input_tokens\":42}")));
        String account = gateway.openAccountWithCredits("5").key();
        AnthropicClient counting = client(account);
        try {
            MessageTokensCount counted = counting.messages().countTokens(MessageCountTokensParams.builder()
                    .model(anthropic + "/claude-sonnet-4-5").addUserMessage("How many tokens is this?").build());
            assertThat(counted.inputTokens()).isEqualTo(42);
        } finally {
            counting.close();
        }
        anthropicUpstream.verify(1, postRequestedFor(urlEqualTo("/v1/messages/count_tokens"))
                .withHeader("x-api-key", equalTo("sk-ant-sdk-provider-0001"))
                .withRequestBody(equalToJson("{\"model\":\"claude-sonnet-4-5\"}", true, true)));
        anthropicUpstream.verify(0, postRequestedFor(urlEqualTo("/v1/messages")));
    }

    @Test
    void countTokensForAModelOfAnotherFamilyIsTheGatewaysEstimate() {
        MessageTokensCount counted = sdk.messages().countTokens(MessageCountTokensParams.builder()
                .model(openAi + "/gpt-4o").addUserMessage("Hello there").build());
        // "Hello there" is 2 tokens in o200k_base, plus the chat framing of one message and the reply.
        assertThat(counted.inputTokens()).isEqualTo(8);
        openAiUpstream.verify(0, postRequestedFor(urlEqualTo(CHAT_PATH)));
    }

    @Test
    void theClientsAnthropicBetaAndVersionHeadersReachAnAnthropicProvider() {
        anthropicUpstream.stubFor(post("/v1/messages").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(fixtureUnchecked("wire/anthropic/response-text.json"))));
        var reply = gateway.post("/v1/messages", gateway.openAccountWithCredits("5").key(),
                Map.of("model", anthropic + "/claude-sonnet-4-5", "max_tokens", 50,
                        "messages", java.util.List.of(Map.of("role", "user", "content", "Hi"))),
                Map.of("anthropic-beta", "prompt-caching-2024-07-31,token-efficient-tools-2025-02-19",
                        "anthropic-version", "2023-06-01"));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        anthropicUpstream.verify(1, postRequestedFor(urlEqualTo("/v1/messages"))
                .withHeader("anthropic-beta", equalTo("prompt-caching-2024-07-31,token-efficient-tools-2025-02-19"))
                .withHeader("anthropic-version", equalTo("2023-06-01")));
        var hostile = gateway.post("/v1/messages/count_tokens", gateway.openAccountWithCredits("5").key(),
                Map.of("model", anthropic + "/claude-sonnet-4-5",
                        "messages", java.util.List.of(Map.of("role", "user", "content", "Hi"))),
                Map.of("anthropic-beta", "x".repeat(2000)));
        assertThat(hostile.status()).isEqualTo(400);
        assertThat(hostile.json().path("type").asText()).isEqualTo("error");
    }

    private static String fixtureUnchecked(String path) {
        try {
            return fixture(path);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Message accumulate(MessageCreateParams params) {
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = sdk.messages().createStreaming(params)) {
            stream.stream().forEach(accumulator::accumulate);
        }
        return accumulator.message();
    }

    private AnthropicClient client(String key) {
        return AnthropicOkHttpClient.builder().apiKey(key).baseUrl(baseUrl()).maxRetries(0).build();
    }

    private static String fixture(String path) throws IOException {
        try (InputStream in = AnthropicSdkTest.class.getClassLoader().getResourceAsStream(path)) {
            assertThat(in).as(path).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
