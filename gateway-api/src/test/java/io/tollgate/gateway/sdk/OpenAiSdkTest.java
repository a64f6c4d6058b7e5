package io.tollgate.gateway.sdk;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.UnauthorizedException;
import com.openai.errors.UnexpectedStatusCodeException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static io.tollgate.gateway.testing.OpenAiWireFormat.COMPLETION;
import static io.tollgate.gateway.testing.OpenAiWireFormat.STREAM_WITH_USAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The official OpenAI Java SDK pointed at Tollgate, with an OpenAI-compatible provider behind it: chat,
 * streaming, tools, embeddings, and the errors the SDK maps to its exception types.
 */
class OpenAiSdkTest extends GatewayTestBase {
    /** A tool call, as OpenAI's API reference shows it for function calling. */
    private static final String TOOL_CALL = """
            {"id":"chatcmpl-abc123","object":"chat.completion","created":1699896916,"model":"gpt-4o-mini",
             "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_abc123",
             "type":"function","function":{"name":"get_current_weather","arguments":"{\\n\\"location\\": \\"Boston, MA\\"\\n}"}}]},
             "logprobs":null,"finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":82,"completion_tokens":17,"total_tokens":99}}""";
    private static final String EMBEDDINGS = """
            {"object":"list","data":[{"object":"embedding","embedding":[0.0023064255,-0.009327292,-0.0028842222],
            "index":0}],"model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}""";

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    private GatewayHttp gateway;
    private String provider;
    private OpenAIClient sdk;

    @BeforeEach
    void sdkPointedAtTollgate() {
        gateway = gateway();
        provider = "sdk" + upstream.getPort();
        gateway.registerProvider(provider, upstream.baseUrl() + "/v1", "sk-sdk-provider-key-0001");
        gateway.setRate(provider, "gpt-4o", "2.5", "10");
        var embedding = gateway.put("/admin/rates/" + provider + "/text-embedding-3-small", ADMIN_KEY,
                Map.of("inputPerMillion", "0", "outputPerMillion", "0", "embeddingPerMillion", "0.02"));
        assertThat(embedding.status()).isEqualTo(200);
        var account = gateway.openAccountWithCredits("5");
        sdk = client(account.key());
    }

    @AfterEach
    void closeSdk() {
        sdk.close();
    }

    @Test
    void chat() {
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));

        ChatCompletion completion = sdk.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(provider + "/gpt-4o").addUserMessage("Hello there").maxCompletionTokens(100).build());

        assertThat(completion.choices().getFirst().message().content()).contains("Hello! How can I assist you today?");
        assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(29);
    }

    @Test
    void streaming() {
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(STREAM_WITH_USAGE)));
        var text = new StringBuilder();
        long usageTokens;

        try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model(provider + "/gpt-4o").addUserMessage("Hi")
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            List<ChatCompletionChunk> chunks = stream.stream().toList();
            chunks.forEach(chunk -> chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append)));
            usageTokens = chunks.getLast().usage().orElseThrow().totalTokens();
        }

        assertThat(text.toString()).isEqualTo("Hello there!");
        assertThat(usageTokens).isEqualTo(12);
    }

    @Test
    void tools() {
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(TOOL_CALL)));

        ChatCompletion completion = sdk.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(provider + "/gpt-4o").addUserMessage("What's the weather like in Boston today?")
                .addFunctionTool(FunctionDefinition.builder().name("get_current_weather")
                        .description("Get the current weather in a given location")
                        .parameters(FunctionParameters.builder()
                                .putAdditionalProperty("type", JsonValue.from("object"))
                                .putAdditionalProperty("properties", JsonValue.from(Map.of("location",
                                        Map.of("type", "string"))))
                                .build())
                        .build())
                .build());

        ChatCompletionMessageFunctionToolCall call = completion.choices().getFirst().message().toolCalls()
                .orElseThrow().getFirst().asFunction();
        assertThat(call.function().name()).isEqualTo("get_current_weather");
        assertThat(call.function().arguments()).contains("Boston, MA");
        upstream.verify(postRequestedFor(urlEqualTo(CHAT_PATH)).withRequestBody(equalToJson("""
                {"tools":[{"type":"function","function":{"name":"get_current_weather"}}]}""", true, true)));
    }

    @Test
    void embeddings() {
        upstream.stubFor(post("/v1/embeddings").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(EMBEDDINGS)));

        CreateEmbeddingResponse embeddings = sdk.embeddings().create(EmbeddingCreateParams.builder()
                .model(provider + "/text-embedding-3-small").input("The food was delicious").build());

        assertThat(embeddings.data().getFirst().embedding()).hasSize(3);
        assertThat(embeddings.usage().promptTokens()).isEqualTo(8);
    }

    @Test
    void errorsReachTheSdkAsItsOwnExceptionTypes() {
        assertThatThrownBy(() -> sdk.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(provider + "/no-such-model").addUserMessage("Hi").build()))
                .isInstanceOf(NotFoundException.class).hasMessageContaining("no-such-model");
        assertThatThrownBy(() -> sdk.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(provider + "/gpt-4o").addUserMessage("Hi").maxCompletionTokens(-1).build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("max_completion_tokens");
        OpenAIClient stranger = client("tg-not-a-real-key");
        try {
            assertThatThrownBy(() -> stranger.chat().completions().create(ChatCompletionCreateParams.builder()
                    .model(provider + "/gpt-4o").addUserMessage("Hi").build()))
                    .isInstanceOf(UnauthorizedException.class);
        } finally {
            stranger.close();
        }
        OpenAIClient poor = client(gateway.openAccountWithCredits("0.000001").key());
        try {
            assertThatThrownBy(() -> poor.chat().completions().create(ChatCompletionCreateParams.builder()
                    .model(provider + "/gpt-4o").addUserMessage("Hi").build()))
                    .isInstanceOfSatisfying(UnexpectedStatusCodeException.class,
                            e -> assertThat(e.statusCode()).isEqualTo(402))
                    .isNotInstanceOf(PermissionDeniedException.class);
        } finally {
            poor.close();
        }
        upstream.verify(0, postRequestedFor(urlEqualTo(CHAT_PATH)));
    }

    private OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().apiKey(key).baseUrl(baseUrl() + "/v1").maxRetries(0).build();
    }
}
