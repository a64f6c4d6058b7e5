package io.tollgate.gateway.sdk;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseStreamEvent;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static io.tollgate.gateway.testing.OpenAiWireFormat.COMPLETION;
import static io.tollgate.gateway.testing.OpenAiWireFormat.STREAM_WITH_USAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The official OpenAI Java SDK's Responses API pointed at Tollgate, as the Agents-style flow uses it: a
 * function tool answered across two turns with previous_response_id, a stream, and a stored response read
 * back; every answer parsed and validated by the SDK's own models.
 */
class OpenAiResponsesSdkTest extends GatewayTestBase {
    private static final String TOOL_CALL = """
            {"id":"chatcmpl-abc123","object":"chat.completion","created":1699896916,"model":"gpt-4o",
             "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_abc123",
             "type":"function","function":{"name":"get_weather","arguments":"{\\"location\\":\\"Boston, MA\\"}"}}]},
             "logprobs":null,"finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":82,"completion_tokens":17,"total_tokens":99}}""";

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    private GatewayHttp gateway;
    private String provider;
    private OpenAIClient sdk;

    @BeforeEach
    void sdkPointedAtTollgate() {
        gateway = gateway();
        provider = "rsdk" + upstream.getPort();
        gateway.registerProvider(provider, upstream.baseUrl() + "/v1", "sk-sdk-provider-key-0002");
        gateway.setRate(provider, "gpt-4o", "2.5", "10");
        sdk = client(gateway.openAccountWithCredits("5").key());
    }

    @AfterEach
    void closeSdk() {
        sdk.close();
    }

    @Test
    void aFunctionToolAcrossTwoTurns() {
        upstream.stubFor(post(CHAT_PATH).atPriority(2).willReturn(json(TOOL_CALL)));
        upstream.stubFor(post(CHAT_PATH).atPriority(1)
                .withRequestBody(matchingJsonPath("$.messages[?(@.role == 'tool')]")).willReturn(json(COMPLETION)));
        FunctionTool weather = FunctionTool.builder().name("get_weather").strict(false)
                .parameters(FunctionTool.Parameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("location", Map.of("type", "string"))))
                        .build())
                .build();

        Response first = sdk.responses().create(ResponseCreateParams.builder().model(provider + "/gpt-4o")
                .instructions("Use the tools.").input("Weather in Boston?").addTool(weather).build());
        first.validate();
        ResponseFunctionToolCall call = first.output().getFirst().asFunctionCall();
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call.arguments()).isEqualTo("{\"location\":\"Boston, MA\"}");

        Response second = sdk.responses().create(ResponseCreateParams.builder().model(provider + "/gpt-4o")
                .previousResponseId(first.id()).addTool(weather)
                .inputOfResponse(List.of(ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput
                        .builder().callId(call.callId()).output("{\"temperature\":\"22C\"}").build())))
                .build());
        second.validate();

        assertThat(second.output().getFirst().asMessage().content().getFirst().asOutputText().text())
                .isEqualTo("Hello! How can I assist you today?");
        var usage = second.usage().orElseThrow();
        assertThat(usage.inputTokens()).isEqualTo(19);
        assertThat(usage.outputTokens()).isEqualTo(10);
        assertThat(new BigDecimal(usage._additionalProperties().get("cost").asNumber().orElseThrow().toString()))
                .isEqualByComparingTo("0.000148");
        Response stored = sdk.responses().retrieve(second.id());
        stored.validate();
        assertThat(stored.previousResponseId()).contains(first.id());
    }

    @Test
    void aStreamParsedByTheSdk() {
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(STREAM_WITH_USAGE)));
        var text = new StringBuilder();
        Response completed = null;

        try (StreamResponse<ResponseStreamEvent> stream = sdk.responses().createStreaming(
                ResponseCreateParams.builder().model(provider + "/gpt-4o").input("Hi").build())) {
            for (ResponseStreamEvent event : stream.stream().toList()) {
                event.validate();
                if (event.isOutputTextDelta()) {
                    text.append(event.asOutputTextDelta().delta());
                }
                if (event.isCompleted()) {
                    completed = event.asCompleted().response();
                }
            }
        }

        assertThat(text.toString()).isEqualTo("Hello there!");
        assertThat(completed).isNotNull();
        assertThat(completed.usage().orElseThrow().totalTokens()).isEqualTo(12);
    }

    @Test
    void anotherAccountsResponseIsNotFound() {
        upstream.stubFor(post(CHAT_PATH).willReturn(json(COMPLETION)));
        Response mine = sdk.responses().create(ResponseCreateParams.builder().model(provider + "/gpt-4o")
                .input("Hello").build());

        OpenAIClient other = client(gateway.openAccountWithCredits("1").key());
        try {
            assertThatThrownBy(() -> other.responses().retrieve(mine.id())).isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> other.responses().delete(mine.id())).isInstanceOf(NotFoundException.class);
        } finally {
            other.close();
        }
        sdk.responses().delete(mine.id());
        assertThatThrownBy(() -> sdk.responses().retrieve(mine.id())).isInstanceOf(NotFoundException.class);
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body);
    }

    private OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(baseUrl() + "/v1").apiKey(key).maxRetries(0).build();
    }
}
