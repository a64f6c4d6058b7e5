package io.tollgate.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Tool calling and JSON replies in all three wire families, JSON and streamed, deterministic by schema. */
class ToolCallTest extends MockProviderTestSupport {

    private static final String WEATHER_SCHEMA = """
            {"type": "object", "properties": {
              "location": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
              "days": {"type": "integer"}}, "required": ["location"]}""";
    private static final String OPENAI_TOOLS = """
            [{"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}},
             {"type": "function", "function": {"name": "get_weather", "parameters": %s}}]""".formatted(WEATHER_SCHEMA);
    private static final String WEATHER_ARGUMENTS = "{\"location\":\"mock-location\",\"unit\":\"celsius\",\"days\":1}";

    @Test
    void openAiAnswersTheNamedToolWithArgumentsFromItsSchema() {
        JsonNode body = json(post("/v1/chat/completions", """
                {"model": "gpt-4o", "messages": [{"role": "user", "content": "Weather in Paris?"}],
                 "tools": %s, "tool_choice": {"type": "function", "function": {"name": "get_weather"}}}"""
                .formatted(OPENAI_TOOLS)));

        JsonNode choice = body.get("choices").get(0);
        JsonNode call = choice.get("message").get("tool_calls").get(0);
        assertThat(choice.get("message").get("content").isNull()).isTrue();
        assertThat(call.get("id").asText()).startsWith("call_");
        assertThat(call.get("type").asText()).isEqualTo("function");
        assertThat(call.get("function").get("name").asText()).isEqualTo("get_weather");
        assertThat(call.get("function").get("arguments").asText()).isEqualTo(WEATHER_ARGUMENTS);
        assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
        assertThat(body.get("usage").get("completion_tokens").asInt()).as("the name and one per argument").isEqualTo(4);
    }

    @Test
    void openAiCallsTheFirstToolUnderAutoUntilTheConversationHasAToolResult() {
        String firstTurn = """
                {"model": "gpt-4o", "messages": [{"role": "user", "content": "What time is it?"}], "tools": %s}"""
                .formatted(OPENAI_TOOLS);
        JsonNode call = json(post("/v1/chat/completions", firstTurn)).get("choices").get(0);
        assertThat(call.get("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(call.get("message").get("tool_calls").get(0).get("function").get("name").asText()).isEqualTo("get_time");

        JsonNode answer = json(post("/v1/chat/completions", """
                {"model": "gpt-4o", "tools": %s, "messages": [
                  {"role": "user", "content": "What time is it?"},
                  {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                    "function": {"name": "get_time", "arguments": "{}"}}]},
                  {"role": "tool", "tool_call_id": "call_1", "content": "noon"}]}""".formatted(OPENAI_TOOLS)))
                .get("choices").get(0);
        assertThat(answer.get("finish_reason").asText()).isEqualTo("stop");
        assertThat(answer.get("message").get("content").asText()).isEqualTo(FULL_REPLY);

        JsonNode none = json(post("/v1/chat/completions", firstTurn.replace("\"tools\"", "\"tool_choice\": \"none\", \"tools\"")))
                .get("choices").get(0);
        assertThat(none.get("message").has("tool_calls")).isFalse();
    }

    @Test
    void openAiStreamsTheCallsNameThenItsArgumentsInPieces() {
        List<SseEvent> events = parseSse(post("/v1/chat/completions", """
                {"model": "gpt-4o", "stream": true, "stream_options": {"include_usage": true},
                 "messages": [{"role": "user", "content": "Weather?"}], "tools": %s, "tool_choice": "required"}"""
                .formatted(OPENAI_TOOLS)).body());

        assertThat(events.getLast().data()).isEqualTo("[DONE]");
        JsonNode first = events.getFirst().json().get("choices").get(0).get("delta").get("tool_calls").get(0);
        assertThat(first.get("function").get("name").asText()).isEqualTo("get_time");
        StringBuilder arguments = new StringBuilder();
        String finishReason = null;
        for (SseEvent event : events.subList(0, events.size() - 1)) {
            JsonNode choices = event.json().get("choices");
            if (choices.isEmpty()) {
                assertThat(event.json().get("usage").get("completion_tokens").asInt()).isEqualTo(1);
                continue;
            }
            choices.get(0).path("delta").path("tool_calls").forEach(call ->
                    arguments.append(call.path("function").path("arguments").asText()));
            if (!choices.get(0).get("finish_reason").isNull()) {
                finishReason = choices.get(0).get("finish_reason").asText();
            }
        }
        assertThat(arguments.toString()).isEqualTo("{}");
        assertThat(finishReason).isEqualTo("tool_calls");
    }

    @Test
    void openAiAnswersJsonThatFitsTheResponseFormatsSchema() {
        JsonNode message = json(post("/v1/chat/completions", """
                {"model": "gpt-4o", "messages": [{"role": "user", "content": "Weather?"}],
                 "response_format": {"type": "json_schema", "json_schema": {"name": "weather", "schema": %s}}}"""
                .formatted(WEATHER_SCHEMA))).get("choices").get(0).get("message");
        assertThat(message.get("content").asText()).isEqualTo(WEATHER_ARGUMENTS);

        JsonNode object = json(json(post("/v1/chat/completions", """
                {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}],
                 "response_format": {"type": "json_object"}}""")).get("choices").get(0).get("message").get("content").asText());
        assertThat(object.get("reply").asText()).isEqualTo(FULL_REPLY);
    }

    @Test
    void anthropicAnswersAToolUseBlockJsonAndStreamed() {
        String request = """
                {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": [{"role": "user", "content": "Weather?"}],
                 "tools": [{"name": "get_weather", "input_schema": %s}], "tool_choice": {"type": "any"}%s}""";
        JsonNode body = json(post("/v1/messages", request.formatted(WEATHER_SCHEMA, ""), anthropicHeaders()));
        JsonNode block = body.get("content").get(0);
        assertThat(block.get("type").asText()).isEqualTo("tool_use");
        assertThat(block.get("id").asText()).startsWith("toolu_");
        assertThat(block.get("name").asText()).isEqualTo("get_weather");
        assertThat(block.get("input").toString()).isEqualTo(WEATHER_ARGUMENTS);
        assertThat(body.get("stop_reason").asText()).isEqualTo("tool_use");
        assertThat(body.get("usage").get("output_tokens").asInt()).isEqualTo(4);

        List<SseEvent> events = parseSse(post("/v1/messages", request.formatted(WEATHER_SCHEMA, ", \"stream\": true"),
                anthropicHeaders()).body());
        assertThat(events).extracting(SseEvent::event).containsExactly("message_start", "content_block_start",
                "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop");
        assertThat(events.get(1).json().get("content_block").get("name").asText()).isEqualTo("get_weather");
        String input = events.get(2).json().get("delta").get("partial_json").asText()
                + events.get(3).json().get("delta").get("partial_json").asText();
        assertThat(input).isEqualTo(WEATHER_ARGUMENTS);
        assertThat(events.get(5).json().get("delta").get("stop_reason").asText()).isEqualTo("tool_use");
    }

    @Test
    void anthropicAnswersTextOnceTheLastTurnCarriesAToolResult() {
        JsonNode body = json(post("/v1/messages", """
                {"model": "claude-sonnet-4-5", "max_tokens": 100, "tools": [{"name": "get_weather", "input_schema": %s}],
                 "messages": [{"role": "user", "content": "Weather?"},
                   {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}]},
                   {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"}]}]}"""
                .formatted(WEATHER_SCHEMA), anthropicHeaders()));
        assertThat(body.get("content").get(0).get("type").asText()).isEqualTo("text");
        assertThat(body.get("stop_reason").asText()).isEqualTo("end_turn");
    }

    @Test
    void geminiAnswersAFunctionCallJsonAndStreamed() {
        String request = """
                {"contents": [{"role": "user", "parts": [{"text": "Weather?"}]}],
                 "tools": [{"functionDeclarations": [{"name": "get_time"}, {"name": "get_weather", "parameters": %s}]}],
                 "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}}}"""
                .formatted(WEATHER_SCHEMA);
        JsonNode candidate = json(post("/v1beta/models/gemini-2.5-flash:generateContent", request,
                "x-goog-api-key", "any")).get("candidates").get(0);
        JsonNode call = candidate.get("content").get("parts").get(0).get("functionCall");
        assertThat(call.get("name").asText()).isEqualTo("get_weather");
        assertThat(call.get("args").toString()).isEqualTo(WEATHER_ARGUMENTS);
        assertThat(candidate.get("finishReason").asText()).isEqualTo("STOP");

        List<SseEvent> events = parseSse(post("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", request,
                "x-goog-api-key", "any").body());
        assertThat(events).hasSize(1);
        JsonNode streamed = events.getFirst().json().get("candidates").get(0).get("content").get("parts").get(0);
        assertThat(streamed.get("functionCall").get("args").toString()).isEqualTo(WEATHER_ARGUMENTS);
        assertThat(events.getFirst().json().get("usageMetadata").get("candidatesTokenCount").asInt()).isEqualTo(4);
    }
}
