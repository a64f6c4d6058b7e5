package io.tollgate.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class GeminiGenerateContentTest extends MockProviderTestSupport {

    /** 2 (system instruction) + 3 + 2 = 7 words. */
    private static final String CONVERSATION = """
            "systemInstruction": {"parts": [{"text": "Answer briefly"}]},
            "contents": [
              {"role": "user", "parts": [{"text": "What is"}, {"text": "up"}]},
              {"role": "model", "parts": [{"text": "Not much"}]}
            ]""";

    private static final int CONVERSATION_TOKENS = 7;

    @Test
    void generatesContentWithExactUsageMetadata() {
        HttpResponse<String> response = post("/v1beta/models/gemini-2.0-flash:generateContent",
                "{" + CONVERSATION + "}");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response);
        JsonNode candidate = body.get("candidates").get(0);
        assertThat(body.get("candidates")).hasSize(1);
        assertThat(candidate.get("content").get("role").asText()).isEqualTo("model");
        assertThat(candidate.get("content").get("parts")).hasSize(1);
        assertThat(candidate.get("content").get("parts").get(0).get("text").asText()).isEqualTo(FULL_REPLY);
        assertThat(candidate.get("finishReason").asText()).isEqualTo("STOP");
        assertThat(candidate.get("index").asInt()).isZero();
        JsonNode usage = body.get("usageMetadata");
        assertThat(usage.get("promptTokenCount").asInt()).isEqualTo(CONVERSATION_TOKENS);
        assertThat(usage.get("candidatesTokenCount").asInt()).isEqualTo(12);
        assertThat(usage.get("totalTokenCount").asInt()).isEqualTo(CONVERSATION_TOKENS + 12);
        assertThat(body.get("modelVersion").asText()).isEqualTo("gemini-2.0-flash");
    }

    @Test
    void maxOutputTokensCapsTheReplyInEitherFieldSpelling() {
        JsonNode camelCase = json(post("/v1beta/models/g:generateContent",
                "{" + CONVERSATION + ", \"generationConfig\": {\"maxOutputTokens\": 3}}"));
        JsonNode snakeCase = json(post("/v1beta/models/g:generateContent",
                "{" + CONVERSATION + ", \"generation_config\": {\"max_output_tokens\": 3}}"));

        for (JsonNode body : List.of(camelCase, snakeCase)) {
            JsonNode candidate = body.get("candidates").get(0);
            assertThat(candidate.get("content").get("parts").get(0).get("text").asText()).isEqualTo("This is a");
            assertThat(candidate.get("finishReason").asText()).isEqualTo("MAX_TOKENS");
            assertThat(body.get("usageMetadata").get("candidatesTokenCount").asInt()).isEqualTo(3);
        }
    }

    @Test
    void streamsServerSentEventsWithCumulativeUsage() {
        HttpResponse<String> response = post("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
                "{" + CONVERSATION + "}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
        List<JsonNode> chunks = parseSse(response.body()).stream().map(SseEvent::json).toList();
        assertStreamedChunks(chunks, 12, "STOP");
    }

    @Test
    void streamsAJsonArrayWithoutAltSse() {
        HttpResponse<String> response = post("/v1beta/models/gemini-2.0-flash:streamGenerateContent",
                "{" + CONVERSATION + ", \"generationConfig\": {\"maxOutputTokens\": 4}}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
        JsonNode array = json(response);
        assertThat(array.isArray()).isTrue();
        List<JsonNode> chunks = new ArrayList<>();
        array.forEach(chunks::add);
        assertStreamedChunks(chunks, 4, "MAX_TOKENS");
    }

    @Test
    void acceptsTheV1PathToo() {
        HttpResponse<String> response = post("/v1/models/gemini-2.0-flash:generateContent", "{" + CONVERSATION + "}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(provider.requestCount(MockEndpoint.GEMINI_GENERATE_CONTENT)).isEqualTo(1);
    }

    @Test
    void missingContentsIsA400InGoogleShape() {
        HttpResponse<String> response = post("/v1beta/models/g:generateContent", "{\"contents\": []}");

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = json(response).get("error");
        assertThat(error.get("code").asInt()).isEqualTo(400);
        assertThat(error.get("status").asText()).isEqualTo("INVALID_ARGUMENT");
        assertThat(error.get("message").asText()).contains("contents");
    }

    @Test
    void malformedJsonIsA400InGoogleShape() {
        HttpResponse<String> response = post("/v1beta/models/g:generateContent", "[1, 2");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("error").get("status").asText()).isEqualTo("INVALID_ARGUMENT");
    }

    @Test
    void unservedMethodsAre404InGoogleShape() {
        HttpResponse<String> response = post("/v1beta/models/g:countTokens", "{" + CONVERSATION + "}");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(json(response).get("error").get("code").asInt()).isEqualTo(404);
        assertThat(json(response).get("error").get("status").asText()).isEqualTo("NOT_FOUND");
    }

    private static void assertStreamedChunks(List<JsonNode> chunks, int words, String finishReason) {
        assertThat(chunks).hasSize(words);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < chunks.size(); i++) {
            JsonNode chunk = chunks.get(i);
            JsonNode candidate = chunk.get("candidates").get(0);
            assertThat(candidate.get("content").get("role").asText()).isEqualTo("model");
            text.append(candidate.get("content").get("parts").get(0).get("text").asText());
            JsonNode usage = chunk.get("usageMetadata");
            assertThat(usage.get("promptTokenCount").asInt()).isEqualTo(CONVERSATION_TOKENS);
            assertThat(usage.get("candidatesTokenCount").asInt()).isEqualTo(i + 1);
            assertThat(usage.get("totalTokenCount").asInt()).isEqualTo(CONVERSATION_TOKENS + i + 1);
            assertThat(chunk.get("modelVersion").asText()).isNotBlank();
            if (i < chunks.size() - 1) {
                assertThat(candidate.has("finishReason")).as("finishReason only on the last chunk").isFalse();
            } else {
                assertThat(candidate.get("finishReason").asText()).isEqualTo(finishReason);
            }
        }
        List<String> expectedWords = List.of(FULL_REPLY.split(" ")).subList(0, words);
        assertThat(text.toString()).isEqualTo(String.join(" ", expectedWords));
    }
}
