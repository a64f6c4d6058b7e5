package io.tollgate.gateway.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.providers.WireFormat;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;

import static io.tollgate.gateway.providers.anthropic.WireFixtures.JSON;
import static io.tollgate.gateway.providers.anthropic.WireFixtures.chunks;
import static io.tollgate.gateway.providers.anthropic.WireFixtures.json;
import static io.tollgate.gateway.providers.anthropic.WireFixtures.parse;
import static io.tollgate.gateway.providers.anthropic.WireFixtures.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AnthropicAdapterTest {
    private final AnthropicAdapter adapter = new AnthropicAdapter(JSON);

    private ObjectNode chat(String json) {
        return (ObjectNode) parse(json);
    }

    @Test
    void buildsTheUpstreamRequestWithAnthropicHeaders() {
        HttpRequest request = adapter.chatRequest(URI.create("https://api.anthropic.com/v1"), "sk-ant-test",
                chat("""
                        {"model":"claude-sonnet-4-5","stream":true,"messages":[{"role":"user","content":"Hi"}]}""")).build();
        assertThat(request.uri()).hasToString("https://api.anthropic.com/v1/messages");
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.headers().firstValue("x-api-key")).hasValue("sk-ant-test");
        assertThat(request.headers().firstValue("anthropic-version")).hasValue("2023-06-01");
        assertThat(request.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(request.headers().firstValue("accept")).hasValue("text/event-stream");
        assertThat(parse(WireFixtures.body(request))).isEqualTo(parse("""
                {"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}],"stream":true}"""));
    }

    @Test
    void translatesSystemImagesToolsAndToolResults() {
        ObjectNode body = adapter.toMessagesRequest(chat("""
                {
                  "model": "claude-sonnet-4-5",
                  "max_completion_tokens": 1024,
                  "temperature": 1.4,
                  "top_p": 0.9,
                  "stop": "END",
                  "seed": 7,
                  "user": "user-42",
                  "messages": [
                    {"role": "system", "content": "You are a weather assistant."},
                    {"role": "developer", "content": [{"type": "text", "text": "Be brief."}]},
                    {"role": "user", "content": [
                      {"type": "text", "text": "What is in these images?"},
                      {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
                      {"type": "image_url", "image_url": {"url": "https://upload.wikimedia.org/a.jpg", "detail": "low"}}
                    ]},
                    {"role": "assistant", "content": null, "tool_calls": [
                      {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"location\\":\\"Paris\\"}"}},
                      {"id": "call_2", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"location\\":\\"Rome\\"}"}}
                    ]},
                    {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
                    {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "24C"}]},
                    {"role": "user", "content": "Thanks, which is warmer?"}
                  ],
                  "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather by city",
                    "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}}],
                  "tool_choice": "required",
                  "parallel_tool_calls": false
                }"""));
        assertThat(body).isEqualTo(parse("""
                {
                  "model": "claude-sonnet-4-5",
                  "max_tokens": 1024,
                  "messages": [
                    {"role": "user", "content": [
                      {"type": "text", "text": "What is in these images?"},
                      {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
                      {"type": "image", "source": {"type": "url", "url": "https://upload.wikimedia.org/a.jpg"}}
                    ]},
                    {"role": "assistant", "content": [
                      {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"location": "Paris"}},
                      {"type": "tool_use", "id": "call_2", "name": "get_weather", "input": {"location": "Rome"}}
                    ]},
                    {"role": "user", "content": [
                      {"type": "tool_result", "tool_use_id": "call_1", "content": "18C"},
                      {"type": "tool_result", "tool_use_id": "call_2", "content": "24C"},
                      {"type": "text", "text": "Thanks, which is warmer?"}
                    ]}
                  ],
                  "system": "You are a weather assistant.\\n\\nBe brief.",
                  "temperature": 1.0,
                  "top_p": 0.9,
                  "stop_sequences": ["END"],
                  "metadata": {"user_id": "user-42"},
                  "tools": [{"name": "get_weather", "description": "Weather by city",
                    "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}],
                  "tool_choice": {"type": "any", "disable_parallel_tool_use": true}
                }"""));
    }

    @Test
    void mapsToolChoices() {
        String tools = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]";
        assertThat(adapter.toMessagesRequest(chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + tools + ",\"tool_choice\":\"auto\"}")).get("tool_choice")).isEqualTo(parse("{\"type\":\"auto\"}"));
        assertThat(adapter.toMessagesRequest(chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + tools + ",\"tool_choice\":\"none\"}")).get("tool_choice")).isEqualTo(parse("{\"type\":\"none\"}"));
        ObjectNode named = adapter.toMessagesRequest(chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + tools + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"f\"}}}"));
        assertThat(named.get("tool_choice")).isEqualTo(parse("{\"type\":\"tool\",\"name\":\"f\"}"));
        assertThat(named.get("tools")).isEqualTo(parse(
                "[{\"name\":\"f\",\"input_schema\":{\"type\":\"object\",\"properties\":{}}}]"));
    }

    @Test
    void jsonSchemaBecomesASystemInstruction() {
        ObjectNode body = adapter.toMessagesRequest(chat("""
                {"model":"m","max_tokens":50,"messages":[{"role":"user","content":"A city?"}],
                 "response_format":{"type":"json_schema","json_schema":{"name":"city","schema":{"type":"object","properties":{"name":{"type":"string"}}}}}}"""));
        assertThat(body.path("system").asText())
                .startsWith("Respond only with a single valid JSON value")
                .endsWith("{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}}}");
    }

    @Test
    void refusesWhatAnthropicCannotDo() {
        assertThatThrownBy(() -> adapter.toMessagesRequest(chat("""
                {"model":"m","n":2,"messages":[{"role":"user","content":"x"}]}""")))
                .isInstanceOf(GatewayException.class).hasMessageContaining("n greater than 1");
        assertThatThrownBy(() -> adapter.toMessagesRequest(chat("""
                {"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]}""")))
                .isInstanceOf(GatewayException.class).hasMessageContaining("input_audio");
        assertThatThrownBy(() -> adapter.toMessagesRequest(chat("""
                {"model":"m","messages":[{"role":"system","content":"only a system prompt"}]}""")))
                .isInstanceOf(GatewayException.class);
    }

    @Test
    void translatesAToolUseAnswerWithCachedUsage() {
        ObjectNode completion = adapter.toChatCompletion(json("anthropic/response-tool-use.json"), "claude-sonnet-4-5");
        assertThat(completion.path("id").asText()).isEqualTo("msg_01Aq9w938a90dw8q");
        assertThat(completion.path("object").asText()).isEqualTo("chat.completion");
        assertThat(completion.path("model").asText()).isEqualTo("claude-sonnet-4-5-20250929");
        JsonNode choice = completion.path("choices").path(0);
        assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(choice.path("message")).isEqualTo(parse("""
                {"role":"assistant","content":"I'll check the current weather in San Francisco for you.",
                 "tool_calls":[{"id":"toolu_01A09q90qw90lq917835lq9","type":"function",
                   "function":{"name":"get_weather","arguments":"{\\"location\\":\\"San Francisco, CA\\",\\"unit\\":\\"celsius\\"}"}}]}"""));
        assertThat(WireFixtures.n(completion.path("usage"))).isEqualTo(parse("""
                {"prompt_tokens":1484,"completion_tokens":96,"total_tokens":1580,
                 "prompt_tokens_details":{"cached_tokens":1000,"cache_write_tokens":100},
                 "completion_tokens_details":{"reasoning_tokens":0}}"""));
    }

    @Test
    void mapsStopReasons() {
        assertThat(AnthropicAdapter.finishReason("end_turn")).isEqualTo("stop");
        assertThat(AnthropicAdapter.finishReason("max_tokens")).isEqualTo("length");
        assertThat(AnthropicAdapter.finishReason("tool_use")).isEqualTo("tool_calls");
        assertThat(AnthropicAdapter.finishReason("stop_sequence")).isEqualTo("stop");
        ObjectNode text = adapter.toChatCompletion(json("anthropic/response-text.json"), "claude");
        assertThat(text.at("/choices/0/message/content").asText()).isEqualTo("Hi! My name is Claude.");
        assertThat(text.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(text.at("/usage/prompt_tokens").asLong()).isEqualTo(2095);
        assertThat(text.at("/choices/0/message").has("tool_calls")).isFalse();
    }

    @Test
    void streamsTextAsOpenAiChunksWithUsageAtMessageStop() {
        List<ObjectNode> chunks = chunks(adapter.chunkTranslator("claude-sonnet-4-5"), text("anthropic/stream-text.sse"));
        assertThat(chunks).hasSize(5);
        assertThat(chunks.get(0).path("choices").path(0).path("delta")).isEqualTo(parse("{\"role\":\"assistant\",\"content\":\"\"}"));
        assertThat(chunks.get(0).path("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(chunks.get(0).path("id").asText()).isEqualTo("msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY");
        assertThat(chunks.get(1).at("/choices/0/delta/content").asText()).isEqualTo("Hello");
        assertThat(chunks.get(2).at("/choices/0/delta/content").asText()).isEqualTo("!");
        assertThat(chunks.get(3).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(chunks.get(4).path("choices")).isEmpty();
        assertThat(WireFixtures.n(chunks.get(4).path("usage"))).isEqualTo(parse("""
                {"prompt_tokens":25,"completion_tokens":15,"total_tokens":40,
                 "prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}"""));
        assertThat(chunks).allSatisfy(c -> assertThat(c.path("model").asText()).isEqualTo("claude-sonnet-4-5-20250929"));
    }

    @Test
    void streamsToolCallDeltas() {
        List<ObjectNode> chunks = chunks(adapter.chunkTranslator("claude"), text("anthropic/stream-tool-use.sse"));
        assertThat(WireFixtures.streamedText(chunks)).isEqualTo("Okay, let's check the weather for San Francisco, CA:");
        List<JsonNode> calls = chunks.stream().flatMap(c -> c.path("choices").findValues("tool_calls").stream())
                .flatMap(a -> java.util.stream.StreamSupport.stream(a.spliterator(), false)).toList();
        assertThat(calls.get(0)).isEqualTo(parse("""
                {"index":0,"id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","type":"function","function":{"name":"get_weather","arguments":""}}"""));
        String arguments = calls.stream().map(c -> c.path("function").path("arguments").asText()).reduce("", String::concat);
        assertThat(parse(arguments)).isEqualTo(parse("{\"location\":\"San Francisco, CA\",\"unit\":\"fahrenheit\"}"));
        assertThat(calls).allSatisfy(c -> assertThat(c.path("index").asInt()).isZero());
        ObjectNode finish = chunks.get(chunks.size() - 2);
        assertThat(finish.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(chunks.getLast().at("/usage/prompt_tokens").asLong()).isEqualTo(472);
        assertThat(chunks.getLast().at("/usage/completion_tokens").asLong()).isEqualTo(89);
    }

    @Test
    void streamsThinkingAsReasoningContentAndCountsCachedInput() {
        List<ObjectNode> chunks = chunks(adapter.chunkTranslator("claude"), text("anthropic/stream-thinking-cached.sse"));
        assertThat(chunks.get(1).at("/choices/0/delta/reasoning_content").asText()).startsWith("I need to find the GCD");
        assertThat(WireFixtures.streamedText(chunks)).isEqualTo("The greatest common divisor of 1071 and 462 is **21**.");
        assertThat(WireFixtures.n(chunks.getLast().path("usage"))).isEqualTo(parse("""
                {"prompt_tokens":3500,"completion_tokens":120,"total_tokens":3620,
                 "prompt_tokens_details":{"cached_tokens":1500},"completion_tokens_details":{"reasoning_tokens":0}}"""));
    }

    @Test
    void anErrorEventBreaksTheStream() {
        var translator = adapter.chunkTranslator("claude");
        var events = WireFixtures.events(text("anthropic/stream-error.sse"));
        for (int i = 0; i < events.size() - 1; i++) {
            translator.translate(events.get(i).event(), events.get(i).data());
        }
        var error = events.getLast();
        assertThatThrownBy(() -> translator.translate(error.event(), error.data()))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("overloaded_error").hasMessageContaining("Overloaded");
    }

    @Test
    void aStreamCutBeforeMessageStopStillReportsUsage() {
        String sse = text("anthropic/stream-text.sse");
        String cut = sse.substring(0, sse.indexOf("event: message_delta"));
        List<ObjectNode> chunks = chunks(adapter.chunkTranslator("claude"), cut);
        assertThat(chunks.getLast().at("/usage/prompt_tokens").asLong()).isEqualTo(25);
        assertThat(chunks.getLast().at("/usage/completion_tokens").asLong()).isEqualTo(1);
    }

    @Test
    void readsErrorMessages() {
        assertThat(adapter.errorMessage(parse("""
                {"type":"error","error":{"type":"not_found_error","message":"The requested resource could not be found."}}""")))
                .hasValue("The requested resource could not be found.");
        assertThat(adapter.errorMessage(parse("{\"foo\":1}"))).isEmpty();
        assertThat(adapter.wireFormat()).isEqualTo(WireFormat.ANTHROPIC);
    }
}
