package io.tollgate.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AnthropicMessagesTest extends MockProviderTestSupport {

    /** 2 (system block) + 2 + 1 + 3 (tool_result text) = 8 words. */
    private static final String CONVERSATION = """
            "system": [{"type": "text", "text": "Be brief."}],
            "messages": [
              {"role": "user", "content": "Hello there"},
              {"role": "assistant", "content": [{"type": "text", "text": "Hi"},
                                                {"type": "tool_use", "id": "t1", "name": "weather", "input": {}}]},
              {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "sunny and warm"}]}
            ]""";

    private static final int CONVERSATION_TOKENS = 8;

    @Test
    void answersAMessageWithExactUsage() {
        HttpResponse<String> response = post("/v1/messages",
                "{\"model\": \"claude-sonnet-4-5\", \"max_tokens\": 1024, " + CONVERSATION + "}", anthropicHeaders());

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.get("id").asText()).startsWith("msg_");
        assertThat(body.get("type").asText()).isEqualTo("message");
        assertThat(body.get("role").asText()).isEqualTo("assistant");
        assertThat(body.get("model").asText()).isEqualTo("claude-sonnet-4-5");
        assertThat(body.get("content")).hasSize(1);
        assertThat(body.get("content").get(0).get("type").asText()).isEqualTo("text");
        assertThat(body.get("content").get(0).get("text").asText()).isEqualTo(FULL_REPLY);
        assertThat(body.get("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(body.get("stop_sequence").isNull()).isTrue();
        JsonNode usage = body.get("usage");
        assertThat(usage.get("input_tokens").asInt()).isEqualTo(CONVERSATION_TOKENS);
        assertThat(usage.get("output_tokens").asInt()).isEqualTo(12);
        assertThat(usage.get("cache_creation_input_tokens").asInt()).isZero();
        assertThat(usage.get("cache_read_input_tokens").asInt()).isZero();
    }

    @Test
    void countsTheTokensAMessageWithTheSameBodyWouldReport() {
        HttpResponse<String> response = post("/v1/messages/count_tokens",
                "{\"model\": \"claude-sonnet-4-5\", " + CONVERSATION + "}", anthropicHeaders());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).get("input_tokens").asInt()).isEqualTo(CONVERSATION_TOKENS);
        assertThat(provider.stats().requests(MockEndpoint.ANTHROPIC_COUNT_TOKENS)).isEqualTo(1);
        assertThat(provider.stats().requests(MockEndpoint.ANTHROPIC_MESSAGES)).isZero();
    }

    @Test
    void stopsWithMaxTokensWhenCapped() {
        JsonNode body = json(post("/v1/messages",
                "{\"model\": \"c\", \"max_tokens\": 5, \"system\": \"You are a poet\", "
                        + "\"messages\": [{\"role\": \"user\", \"content\": \"Write\"}]}", anthropicHeaders()));

        assertThat(body.get("content").get(0).get("text").asText()).isEqualTo("This is a deterministic reply");
        assertThat(body.get("stop_reason").asText()).isEqualTo("max_tokens");
        assertThat(body.get("usage").get("input_tokens").asInt()).isEqualTo(5);
        assertThat(body.get("usage").get("output_tokens").asInt()).isEqualTo(5);
    }

    @Test
    void streamsTheDocumentedEventSequence() {
        HttpResponse<String> response = post("/v1/messages",
                "{\"model\": \"c\", \"max_tokens\": 1024, \"stream\": true, " + CONVERSATION + "}", anthropicHeaders());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
        List<SseEvent> events = parseSse(response.body());
        List<String> expectedOrder = new ArrayList<>(List.of("message_start", "content_block_start", "ping"));
        for (int i = 0; i < 12; i++) {
            expectedOrder.add("content_block_delta");
        }
        expectedOrder.addAll(List.of("content_block_stop", "message_delta", "message_stop"));
        assertThat(events).extracting(SseEvent::event).isEqualTo(expectedOrder);
        assertThat(events).allSatisfy(event -> assertThat(event.json().get("type").asText()).isEqualTo(event.event()));

        JsonNode message = events.getFirst().json().get("message");
        assertThat(message.get("id").asText()).startsWith("msg_");
        assertThat(message.get("content")).isEmpty();
        assertThat(message.get("stop_reason").isNull()).isTrue();
        assertThat(message.get("usage").get("input_tokens").asInt()).isEqualTo(CONVERSATION_TOKENS);
        assertThat(message.get("usage").get("output_tokens").asInt()).isEqualTo(1);

        JsonNode blockStart = events.get(1).json();
        assertThat(blockStart.get("index").asInt()).isZero();
        assertThat(blockStart.get("content_block").get("type").asText()).isEqualTo("text");
        assertThat(blockStart.get("content_block").get("text").asText()).isEmpty();

        StringBuilder text = new StringBuilder();
        events.stream().filter(event -> event.event().equals("content_block_delta")).map(SseEvent::json)
                .forEach(delta -> {
                    assertThat(delta.get("delta").get("type").asText()).isEqualTo("text_delta");
                    text.append(delta.get("delta").get("text").asText());
                });
        assertThat(text.toString()).isEqualTo(FULL_REPLY);

        JsonNode messageDelta = events.get(events.size() - 2).json();
        assertThat(messageDelta.get("delta").get("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(messageDelta.get("delta").get("stop_sequence").isNull()).isTrue();
        assertThat(messageDelta.get("usage").get("output_tokens").asInt()).isEqualTo(12);
    }

    @Test
    void cappedStreamReportsMaxTokensInMessageDelta() {
        List<SseEvent> events = parseSse(post("/v1/messages",
                "{\"model\": \"c\", \"max_tokens\": 3, \"stream\": true, "
                        + "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", anthropicHeaders()).body());

        JsonNode messageDelta = events.get(events.size() - 2).json();
        assertThat(messageDelta.get("delta").get("stop_reason").asText()).isEqualTo("max_tokens");
        assertThat(messageDelta.get("usage").get("output_tokens").asInt()).isEqualTo(3);
        assertThat(events).filteredOn(event -> event.event().equals("content_block_delta")).hasSize(3);
    }

    @Test
    void missingAnthropicVersionIsA400InAnthropicShape() {
        HttpResponse<String> response = post("/v1/messages",
                "{\"model\": \"c\", \"max_tokens\": 10, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode body = json(response);
        assertThat(body.get("type").asText()).isEqualTo("error");
        assertThat(body.get("error").get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(body.get("error").get("message").asText()).contains("anthropic-version");
    }

    @Test
    void missingMaxTokensIsA400() {
        HttpResponse<String> response = post("/v1/messages",
                "{\"model\": \"c\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", anthropicHeaders());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("error").get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(json(response).get("error").get("message").asText()).isEqualTo("max_tokens: Field required");
    }

    @Test
    void malformedJsonIsA400InAnthropicShape() {
        HttpResponse<String> response = post("/v1/messages", "{not json", anthropicHeaders());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("type").asText()).isEqualTo("error");
        assertThat(json(response).get("error").get("type").asText()).isEqualTo("invalid_request_error");
    }
}
