package io.tollgate.gateway.formats.aigne;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.providers.ProviderUsage;
import io.tollgate.gateway.providers.anthropic.AnthropicAdapter;
import io.tollgate.gateway.providers.anthropic.WireFixtures;
import io.tollgate.gateway.providers.gemini.GeminiAdapter;
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

class AigneChatFormatTest {
    private final AigneChatFormat format = new AigneChatFormat(JSON);

    @Test
    void translatesTheFrameworkShape() {
        assertThat(format.name()).isEqualTo("aigne.chat");
        ObjectNode chat = format.toChatRequest(json("aigne/chat-request.json"));
        assertThat(chat).isEqualTo(parse("""
                {
                  "model": "anthropic/claude-sonnet-4-5",
                  "messages": [
                    {"role": "system", "content": "You are a helpful assistant."},
                    {"role": "user", "content": "What's the weather in Paris?"},
                    {"role": "assistant", "content": null, "tool_calls": [
                      {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\":\\"Paris\\"}"}}]},
                    {"role": "tool", "tool_call_id": "call_1", "content": "{\\"temp\\":18}"},
                    {"role": "user", "content": [{"type": "text", "text": "And this?"},
                      {"type": "image_url", "image_url": {"url": "https://example.com/a.jpg"}}]}
                  ],
                  "stream": true,
                  "temperature": 0.5, "top_p": 1,
                  "parallel_tool_calls": false,
                  "tools": [{"type": "function", "function": {"name": "get_weather",
                    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
                  "tool_choice": {"type": "function", "function": {"name": "get_weather"}}
                }"""));
    }

    @Test
    void takesTheModelFromTheTopLevelTooAndValidates() {
        ObjectNode chat = format.toChatRequest(parse("""
                {"model":"openai/gpt-4o","input":{"messages":[{"role":"user","content":"hi"}]}}"""));
        assertThat(chat.path("model").asText()).isEqualTo("openai/gpt-4o");
        assertThat(chat.path("stream").asBoolean()).isFalse();
        assertThatThrownBy(() -> format.toChatRequest(parse("{\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}}")))
                .isInstanceOf(GatewayException.class).hasMessageContaining("input.modelOptions.model");
        assertThatThrownBy(() -> format.toChatRequest(parse("{\"model\":\"m\"}")))
                .isInstanceOf(GatewayException.class).hasMessageContaining("\"input\" is required");
    }

    @Test
    void answersWithAChatModelOutput() {
        ObjectNode completion = new AnthropicAdapter(JSON).toChatCompletion(json("anthropic/response-tool-use.json"), "claude");
        JsonNode answer = format.fromChatCompletion(completion, "anthropic/claude-sonnet-4-5");
        assertThat(n(answer)).isEqualTo(parse("""
                {"text":"I'll check the current weather in San Francisco for you.",
                 "toolCalls":[{"id":"toolu_01A09q90qw90lq917835lq9","type":"function",
                   "function":{"name":"get_weather","arguments":{"location":"San Francisco, CA","unit":"celsius"}}}],
                 "usage":{"inputTokens":484,"outputTokens":96,"cacheReadInputTokens":1000},
                 "model":"claude-sonnet-4-5-20250929","modelWithProvider":"anthropic/claude-sonnet-4-5"}"""));
    }

    @Test
    void answersJsonWhenAsked() {
        ObjectNode completion = (ObjectNode) parse("""
                {"id":"c","object":"chat.completion","model":"gpt-4o","choices":[{"index":0,
                  "message":{"role":"assistant","content":"{\\"city\\":\\"Paris\\"}"},"finish_reason":"stop"}]}""");
        assertThat(AigneChatFormat.wantsJson(parse("{\"input\":{\"responseFormat\":{\"type\":\"json_schema\"}}}"))).isTrue();
        JsonNode answer = format.fromChatCompletion(completion, "openai/gpt-4o", true);
        assertThat(answer.get("json")).isEqualTo(parse("{\"city\":\"Paris\"}"));
        assertThat(answer.has("text")).isFalse();
    }

    @Test
    void streamsTextDeltasThenToolCallsThenUsage() {
        var chunks = WireFixtures.chunks(new GeminiAdapter(JSON).chunkTranslator("g"), text("gemini/stream-text.sse"));
        List<SseEvent> events = WireFixtures.clientEvents(format.stream("google/gemini-2.5-flash"), chunks);
        assertThat(events).extracting(SseEvent::data).containsExactly(
                "{\"delta\":{\"text\":{\"text\":\"The\"}}}",
                "{\"delta\":{\"text\":{\"text\":\" old lighthouse keeper, Silas, had seen a thousand storms\"}}}",
                "{\"delta\":{\"text\":{\"text\":\".\"}}}",
                "{\"delta\":{\"json\":{\"usage\":{\"inputTokens\":10,\"outputTokens\":534},\"model\":\"gemini-2.5-flash\","
                        + "\"modelWithProvider\":\"google/gemini-2.5-flash\"}}}");

        var toolChunks = WireFixtures.chunks(new AnthropicAdapter(JSON).chunkTranslator("c"), text("anthropic/stream-tool-use.sse"));
        List<SseEvent> toolEvents = WireFixtures.clientEvents(format.stream("anthropic/claude"), toolChunks);
        assertThat(parse(toolEvents.get(toolEvents.size() - 2).data())).isEqualTo(parse("""
                {"delta":{"json":{"toolCalls":[{"id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","type":"function",
                  "function":{"name":"get_weather","arguments":{"location":"San Francisco, CA","unit":"fahrenheit"}}}]}}}"""));
    }

    @Test
    void streamsJsonOutputAsOneJsonDelta() {
        var stream = format.stream("m", true);
        stream.onChunk((ObjectNode) parse("{\"model\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"{\\\"a\\\":\"}}]}"));
        stream.onChunk((ObjectNode) parse("{\"model\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"1}\"}}]}"));
        List<SseEvent> events = stream.finish(new ProviderUsage(3, 4, 0, 0));
        assertThat(events.getFirst().data()).isEqualTo("{\"delta\":{\"json\":{\"json\":{\"a\":1}}}}");
        assertThat(format.errorEvent("boom").toWire()).isEqualTo("event: error\ndata: {\"message\":\"boom\"}\n\n");
    }
}
