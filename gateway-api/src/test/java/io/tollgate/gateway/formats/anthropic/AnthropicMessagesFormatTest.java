package io.tollgate.gateway.formats.anthropic;

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
import static io.tollgate.gateway.providers.anthropic.WireFixtures.parse;
import static io.tollgate.gateway.providers.anthropic.WireFixtures.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AnthropicMessagesFormatTest {
    private final AnthropicMessagesFormat format = new AnthropicMessagesFormat(JSON);

    @Test
    void namesItself() {
        assertThat(format.name()).isEqualTo("anthropic.messages");
        assertThat(format.errorShape()).isEqualTo(ApiShape.ANTHROPIC);
    }

    @Test
    void translatesARequestWithImagesToolsAndToolResults() {
        ObjectNode chat = format.toChatRequest(json("anthropic/request-messages-tools.json"));
        assertThat(chat).isEqualTo(parse("""
                {
                  "model": "claude-sonnet-4-5",
                  "max_tokens": 1024,
                  "messages": [
                    {"role": "system", "content": "You are a weather assistant."},
                    {"role": "user", "content": [
                      {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/4AAQSkZJRg=="}},
                      {"type": "text", "text": "What's the weather like where this photo was taken, and in San Francisco?"}
                    ]},
                    {"role": "assistant", "content": "I'll check the weather.", "tool_calls": [
                      {"id": "toolu_01A09q90qw90lq917835lq9", "type": "function",
                       "function": {"name": "get_weather", "arguments": "{\\"location\\":\\"San Francisco, CA\\"}"}}
                    ]},
                    {"role": "tool", "tool_call_id": "toolu_01A09q90qw90lq917835lq9", "content": "15 degrees"},
                    {"role": "user", "content": "And in celsius?"}
                  ],
                  "temperature": 0.5,
                  "stop": ["END"],
                  "stream": false,
                  "tools": [{"type": "function", "function": {"name": "get_weather",
                    "description": "Get the current weather in a given location",
                    "parameters": {"type": "object", "properties": {
                      "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                      "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["location"]}}}],
                  "tool_choice": "required",
                  "parallel_tool_calls": false
                }"""));
    }

    @Test
    void translatesToolChoicesAndUrlImages() {
        ObjectNode chat = format.toChatRequest(parse("""
                {"model":"claude-haiku-4-5","max_tokens":10,"stream":true,
                 "tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":{"type":"tool","name":"f"},
                 "messages":[{"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://example.com/cat.png"}}]}]}"""));
        assertThat(chat.get("tool_choice")).isEqualTo(parse("{\"type\":\"function\",\"function\":{\"name\":\"f\"}}"));
        assertThat(chat.get("stream").asBoolean()).isTrue();
        assertThat(chat.at("/messages/0/content/0")).isEqualTo(parse(
                "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.png\"}}"));
    }

    @Test
    void validatesWithClearMessages() {
        assertBad("{\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "model: Field required");
        assertBad("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "max_tokens: Field required");
        assertBad("{\"model\":\"m\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                "max_tokens: Input should be greater than or equal to 1");
        assertBad("{\"model\":\"m\",\"max_tokens\":1.5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                "max_tokens: Input should be a valid integer");
        assertBad("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[]}", "messages: at least one message is required");
        assertBad("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}",
                "messages.0.role: Input should be 'user' or 'assistant'");
        assertBad("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":42}]}",
                "messages.0.content");
        assertBad("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"video\"}]}]}",
                "messages.0.content.0.type");
        assertBad("{\"model\":\"m\",\"max_tokens\":5,\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "web_search_20250305");
        assertBad("[1]", "JSON object");
    }

    private void assertBad(String body, String message) {
        assertThatThrownBy(() -> format.toChatRequest(parse(body)))
                .isInstanceOf(GatewayException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((GatewayException) e).status().value()).isEqualTo(400));
    }

    @Test
    void answersInAnthropicsShape() {
        ObjectNode completion = (ObjectNode) parse("""
                {"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion","created":1741570283,
                 "model":"gpt-4o-2024-08-06",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Let me look.",
                   "tool_calls":[{"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":"{\\"location\\":\\"Boston, MA\\"}"}}]},
                   "logprobs":null,"finish_reason":"tool_calls"}],
                 "usage":{"prompt_tokens":1117,"completion_tokens":46,"total_tokens":1163,
                   "prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},
                   "completion_tokens_details":{"reasoning_tokens":0}}}""");
        JsonNode message = format.fromChatCompletion(completion, "openai/gpt-4o");
        assertThat(WireFixtures.n(message)).isEqualTo(parse("""
                {"id":"msg_B9MHDbslfkBeAs8l4bebGdFOJ6PeG","type":"message","role":"assistant","model":"openai/gpt-4o",
                 "content":[{"type":"text","text":"Let me look."},
                   {"type":"tool_use","id":"call_abc","name":"get_weather","input":{"location":"Boston, MA"}}],
                 "stop_reason":"tool_use","stop_sequence":null,
                 "usage":{"input_tokens":93,"cache_creation_input_tokens":0,"cache_read_input_tokens":1024,"output_tokens":46}}"""));
    }

    @Test
    void roundTripsAnAnthropicAnswerThroughThePivot() {
        var adapter = new AnthropicAdapter(JSON);
        JsonNode original = json("anthropic/response-tool-use.json");
        JsonNode back = format.fromChatCompletion(adapter.toChatCompletion(original, "claude"), "anthropic/claude-sonnet-4-5");
        assertThat(back.get("content")).isEqualTo(original.get("content"));
        assertThat(back.get("stop_reason")).isEqualTo(original.get("stop_reason"));
        assertThat(back.get("id")).isEqualTo(original.get("id"));
        // Anthropic's split survives the pivot: cache writes (billed at 1.25x input) apart from plain input
        assertThat(back.at("/usage/input_tokens").asLong()).isEqualTo(384);
        assertThat(back.at("/usage/cache_creation_input_tokens").asLong()).isEqualTo(100);
        assertThat(back.at("/usage/cache_read_input_tokens").asLong()).isEqualTo(1000);
        assertThat(back.at("/usage/output_tokens").asLong()).isEqualTo(96);
    }

    @Test
    void roundTripsARequestThroughThePivot() {
        var adapter = new AnthropicAdapter(JSON);
        ObjectNode original = json("anthropic/request-messages-tools.json");
        ObjectNode back = adapter.toMessagesRequest(format.toChatRequest(original));
        assertThat(back.get("messages")).isEqualTo(parse("""
                [
                  {"role": "user", "content": [
                    {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQSkZJRg=="}},
                    {"type": "text", "text": "What's the weather like where this photo was taken, and in San Francisco?"}
                  ]},
                  {"role": "assistant", "content": [
                    {"type": "text", "text": "I'll check the weather."},
                    {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather", "input": {"location": "San Francisco, CA"}}
                  ]},
                  {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_01A09q90qw90lq917835lq9", "content": "15 degrees"},
                    {"type": "text", "text": "And in celsius?"}
                  ]}
                ]"""));
        assertThat(back.get("system").asText()).isEqualTo("You are a weather assistant.");
        assertThat(back.get("tools").get(0).get("input_schema")).isEqualTo(original.get("tools").get(0).get("input_schema"));
        assertThat(back.get("tool_choice")).isEqualTo(original.get("tool_choice"));
        assertThat(back.get("stop_sequences")).isEqualTo(original.get("stop_sequences"));
        assertThat(back.get("max_tokens").asInt()).isEqualTo(1024);
    }

    @Test
    void streamsAnAnthropicStreamBackAsTheSameEventSequence() {
        var adapter = new AnthropicAdapter(JSON);
        List<ObjectNode> chunks = WireFixtures.chunks(adapter.chunkTranslator("claude"), text("anthropic/stream-tool-use.sse"));
        List<SseEvent> events = WireFixtures.clientEvents(format.stream("anthropic/claude-sonnet-4-5"), chunks);

        List<SseEvent> original = WireFixtures.events(text("anthropic/stream-tool-use.sse")).stream()
                .filter(e -> !e.event().equals("ping"))
                .filter(e -> !e.data().contains("\"partial_json\":\"\""))
                .toList();
        assertThat(events).extracting(SseEvent::event).containsExactlyElementsOf(
                original.stream().map(SseEvent::event).toList());
        for (int i = 1; i < events.size() - 2; i++) {
            assertThat(parse(events.get(i).data())).as("event %d", i).isEqualTo(parse(original.get(i).data()));
        }
        JsonNode start = parse(events.getFirst().data());
        assertThat(start.at("/message/id").asText()).isEqualTo("msg_014p7gG3wDgGV9EUtLvnow3U");
        assertThat(start.at("/message/model").asText()).isEqualTo("anthropic/claude-sonnet-4-5");
        assertThat(start.at("/message/usage/input_tokens").asLong()).isZero();
        assertThat(parse(events.get(events.size() - 2).data())).isEqualTo(parse("""
                {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},
                 "usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":89}}"""));
        assertThat(parse(events.getLast().data())).isEqualTo(parse("{\"type\":\"message_stop\"}"));
        assertThat(events.getLast().toWire()).isEqualTo("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    }

    @Test
    void streamsOpenAiChunksAsAnthropicEvents() {
        String[] chunks = {
                "{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}",
                "{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},\"finish_reason\":null}]}",
                "{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}",
                "{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":1,\"total_tokens\":10}}"
        };
        var stream = format.stream("openai/gpt-4o-mini");
        List<SseEvent> events = new java.util.ArrayList<>();
        for (String chunk : chunks) {
            events.addAll(stream.onChunk((ObjectNode) parse(chunk)));
        }
        events.addAll(stream.finish(new ProviderUsage(9, 1, 0, 0)));
        assertThat(events).extracting(SseEvent::event).containsExactly("message_start", "content_block_start",
                "content_block_delta", "content_block_stop", "message_delta", "message_stop");
        assertThat(parse(events.get(0).data()).at("/message/id").asText()).isEqualTo("msg_123");
        assertThat(parse(events.get(2).data())).isEqualTo(parse(
                "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}"));
        assertThat(parse(events.get(4).data()).at("/delta/stop_reason").asText()).isEqualTo("max_tokens");
        assertThat(parse(events.get(4).data()).at("/usage/output_tokens").asLong()).isEqualTo(1);
    }

    @Test
    void anEmptyStreamStillOpensAndClosesTheMessage() {
        List<SseEvent> events = format.stream("m").finish(new ProviderUsage(3, 0, 0, 0));
        assertThat(events).extracting(SseEvent::event).containsExactly("message_start", "message_delta", "message_stop");
        assertThat(format.errorEvent("overloaded_error", "Overloaded").toWire()).isEqualTo(
                "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
    }
}
