package io.tollgate.gateway.formats.aigne;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.errors.ApiShape;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.providers.ProviderUsage;
import io.tollgate.gateway.providers.anthropic.AnthropicAdapter;
import io.tollgate.gateway.providers.anthropic.WireFixtures;
import io.tollgate.gateway.providers.wire.SseEvent;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.tollgate.gateway.providers.anthropic.WireFixtures.JSON;
import static io.tollgate.gateway.providers.anthropic.WireFixtures.json;
import static io.tollgate.gateway.providers.anthropic.WireFixtures.n;
import static io.tollgate.gateway.providers.anthropic.WireFixtures.parse;
import static io.tollgate.gateway.providers.anthropic.WireFixtures.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AigneChatCompletionsFormatTest {
    private final AigneChatCompletionsFormat format = new AigneChatCompletionsFormat(JSON);

    @Test
    void translatesCamelCaseIntoTheOpenAiPivot() {
        assertThat(format.name()).isEqualTo("aigne.chat.completions");
        assertThat(format.errorShape()).isEqualTo(ApiShape.AIGNE);
        ObjectNode chat = format.toChatRequest(json("aigne/chat-completions-request.json"));
        assertThat(chat).isEqualTo(parse("""
                {
                  "model": "openai/gpt-4o-mini",
                  "messages": [
                    {"role": "system", "content": "You are a helpful assistant."},
                    {"role": "user", "content": [
                      {"type": "text", "text": "What's in this image, and what's the weather in Paris?"},
                      {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
                    ]},
                    {"role": "assistant", "content": null, "tool_calls": [
                      {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\":\\"Paris\\"}"}}
                    ]},
                    {"role": "tool", "tool_call_id": "call_1", "content": "{\\"temp\\":18}"}
                  ],
                  "stream": true,
                  "temperature": 0.7, "top_p": 0.9, "presence_penalty": 0.1, "frequency_penalty": 0.2,
                  "max_tokens": 256,
                  "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather by city",
                    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
                  "tool_choice": "auto",
                  "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": true}}
                }"""));
    }

    @Test
    void acceptsAPromptAndStreamsWhenTheClientAcceptsEventStreams() {
        ObjectNode chat = format.toChatRequest(parse("{\"model\":\"openai/gpt-4o\",\"prompt\":\"Hello\"}"), true);
        assertThat(chat.get("messages")).isEqualTo(parse("[{\"role\":\"user\",\"content\":\"Hello\"}]"));
        assertThat(chat.get("stream").asBoolean()).isTrue();
    }

    @Test
    void validates() {
        assertBad("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "\"model\" is required");
        assertBad("{\"model\":\"m\",\"messages\":[]}", "\"messages\"");
        assertBad("{\"model\":\"m\",\"messages\":[{\"role\":\"bot\",\"content\":\"x\"}]}", "messages[0].role");
        assertBad("{\"model\":\"m\",\"topP\":0.05,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                "\"topP\" must be between 0.1 and 1");
        assertBad("{\"model\":\"m\",\"maxTokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "maxTokens");
        assertBad("{\"model\":\"m\",\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}", "toolCallId");
    }

    private void assertBad(String body, String message) {
        assertThatThrownBy(() -> format.toChatRequest(parse(body))).isInstanceOf(GatewayException.class)
                .hasMessageContaining(message);
    }

    @Test
    void answersLikeAigneHub() {
        ObjectNode completion = new AnthropicAdapter(JSON).toChatCompletion(json("anthropic/response-tool-use.json"), "claude");
        JsonNode answer = format.fromChatCompletion(completion, "anthropic/claude-sonnet-4-5");
        assertThat(n(answer)).isEqualTo(parse("""
                {"role":"assistant",
                 "text":"I'll check the current weather in San Francisco for you.",
                 "content":"I'll check the current weather in San Francisco for you.",
                 "toolCalls":[{"id":"toolu_01A09q90qw90lq917835lq9","type":"function",
                   "function":{"name":"get_weather","arguments":"{\\"location\\":\\"San Francisco, CA\\",\\"unit\\":\\"celsius\\"}"}}],
                 "usage":{"promptTokens":484,"completionTokens":96,"totalTokens":580}}"""));
    }

    @Test
    void streamsAnAnthropicStreamAsDeltasThenUsage() {
        var chunks = WireFixtures.chunks(new AnthropicAdapter(JSON).chunkTranslator("claude"), text("anthropic/stream-tool-use.sse"));
        List<SseEvent> events = WireFixtures.clientEvents(format.stream("anthropic/claude-sonnet-4-5"), chunks);
        assertThat(events).allSatisfy(e -> assertThat(e.event()).isNull());
        assertThat(parse(events.getFirst().data())).isEqualTo(parse(
                "{\"delta\":{\"role\":\"assistant\",\"content\":\"Okay\",\"toolCalls\":[]}}"));
        assertThat(events).hasSize(13 + 2);
        assertThat(parse(events.get(13).data())).isEqualTo(parse("""
                {"delta":{"role":"assistant","toolCalls":[{"id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","type":"function",
                  "function":{"name":"get_weather","arguments":"{\\"location\\": \\"San Francisco, CA\\", \\"unit\\": \\"fahrenheit\\"}"}}]}}"""));
        assertThat(parse(events.getLast().data())).isEqualTo(parse(
                "{\"usage\":{\"promptTokens\":472,\"completionTokens\":89,\"totalTokens\":561}}"));
        assertThat(events.getLast().toWire()).startsWith("data: {\"usage\"").doesNotContain("[DONE]");
    }

    @Test
    void writesInStreamErrorsAsAigneDoes() {
        assertThat(format.errorEvent("Overloaded").toWire()).isEqualTo("data: {\"error\":{\"message\":\"Overloaded\"}}\n\n");
        assertThat(format.stream("m").finish(new ProviderUsage(10, 2, 4, 0)).getFirst().data())
                .isEqualTo("{\"usage\":{\"promptTokens\":6,\"completionTokens\":2,\"totalTokens\":8}}");
    }

    @Test
    void aigneErrorBodyMatchesAigneHub() {
        assertThat(ApiShape.AIGNE.errorBody(400, "invalid_request_error", null, "\"model\" is required"))
                .isEqualTo(parse("{\"error\":{\"message\":\"\\\"model\\\" is required\"}}"));
        ObjectNode credit = ApiShape.AIGNE.errorBody(402, "insufficient_credit", "not_enough_credit", "Not enough credit");
        assertThat(credit.at("/error/type").asText()).isEqualTo("NOT_ENOUGH");
        assertThat(credit.at("/error/message").asText()).isEqualTo("Not enough credit");
        assertThat(credit.at("/error/timestamp").isTextual()).isTrue();
    }

    @Test
    void anAigneRequestReachesAnthropic() {
        ObjectNode body = new AnthropicAdapter(JSON).toMessagesRequest(format.toChatRequest(json("aigne/chat-completions-request.json")));
        assertThat(body.path("model").asText()).isEqualTo("openai/gpt-4o-mini");
        assertThat(body.path("max_tokens").asInt()).isEqualTo(256);
        assertThat(body.path("system").asText()).startsWith("You are a helpful assistant.\n\nRespond only with a single valid JSON value");
        assertThat(body.get("messages")).isEqualTo(parse("""
                [{"role":"user","content":[
                   {"type":"text","text":"What's in this image, and what's the weather in Paris?"},
                   {"type":"image","source":{"type":"url","url":"https://example.com/cat.png"}}]},
                 {"role":"assistant","content":[{"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}}]},
                 {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"{\\"temp\\":18}"}]}]"""));
        assertThat(body.get("tool_choice")).isEqualTo(parse("{\"type\":\"auto\"}"));
        assertThat(body.path("stream").asBoolean()).isTrue();
    }
}
