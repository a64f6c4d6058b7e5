package io.tollgate.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class OpenAiChatCompletionsTest extends MockProviderTestSupport {

    /** 4 + 6 + 4 + 0 + 4 = 18 words across system, user (string and parts), assistant tool call and tool messages. */
    private static final String MESSAGES = """
            [
              {"role": "system", "content": "You are terse today."},
              {"role": "user", "content": "What is the  capital\\tof France?"},
              {"role": "user", "content": [
                {"type": "text", "text": "Answer in one"},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
                {"type": "text", "text": "word"}
              ]},
              {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
              ]},
              {"role": "tool", "tool_call_id": "call_1", "content": "Paris is the capital"}
            ]""";

    private static final int MESSAGES_TOKENS = 18;

    @Test
    void answersWithTheFullReplyAndExactWordBasedUsage() {
        HttpResponse<String> response = post("/v1/chat/completions",
                "{\"model\": \"gpt-4o-mini\", \"messages\": " + MESSAGES + "}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = json(response);
        assertThat(body.get("id").asText()).startsWith("chatcmpl-");
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("created").asLong()).isPositive();
        assertThat(body.get("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(body.get("system_fingerprint").asText()).isNotBlank();

        JsonNode choice = body.get("choices").get(0);
        assertThat(body.get("choices")).hasSize(1);
        assertThat(choice.get("index").asInt()).isZero();
        assertThat(choice.get("message").get("role").asText()).isEqualTo("assistant");
        assertThat(choice.get("message").get("content").asText()).isEqualTo(FULL_REPLY);
        assertThat(choice.get("message").get("refusal").isNull()).isTrue();
        assertThat(choice.get("logprobs").isNull()).isTrue();
        assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");

        JsonNode usage = body.get("usage");
        assertThat(usage.get("prompt_tokens").asInt()).isEqualTo(MESSAGES_TOKENS);
        assertThat(usage.get("completion_tokens").asInt()).isEqualTo(12);
        assertThat(usage.get("total_tokens").asInt()).isEqualTo(MESSAGES_TOKENS + 12);
        assertThat(usage.get("prompt_tokens_details").get("cached_tokens").asInt()).isZero();
        assertThat(usage.get("completion_tokens_details").get("reasoning_tokens").asInt()).isZero();
    }

    @Test
    void capsTheReplyAtMaxTokensAndFinishesWithLength() {
        JsonNode body = json(post("/v1/chat/completions",
                "{\"model\": \"m\", \"max_tokens\": 4, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"));

        assertThat(body.get("choices").get(0).get("message").get("content").asText()).isEqualTo("This is a deterministic");
        assertThat(body.get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
        assertThat(body.get("usage").get("prompt_tokens").asInt()).isEqualTo(1);
        assertThat(body.get("usage").get("completion_tokens").asInt()).isEqualTo(4);
        assertThat(body.get("usage").get("total_tokens").asInt()).isEqualTo(5);
    }

    @Test
    void maxCompletionTokensCapsTheReplyToo() {
        JsonNode body = json(post("/v1/chat/completions",
                "{\"model\": \"m\", \"max_completion_tokens\": 2, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"));

        assertThat(body.get("choices").get(0).get("message").get("content").asText()).isEqualTo("This is");
        assertThat(body.get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void aCapAboveTheReplyLengthStopsNormally() {
        JsonNode body = json(post("/v1/chat/completions",
                "{\"model\": \"m\", \"max_tokens\": 100, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"));

        assertThat(body.get("choices").get(0).get("message").get("content").asText()).isEqualTo(FULL_REPLY);
        assertThat(body.get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void streamsOneChunkPerWordWithoutUsageUnlessAsked() {
        HttpResponse<String> response = post("/v1/chat/completions",
                "{\"model\": \"m\", \"stream\": true, \"messages\": " + MESSAGES + "}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
        List<SseEvent> events = parseSse(response.body());
        assertThat(events.getLast().data()).isEqualTo("[DONE]");
        List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(SseEvent::json).toList();
        // role chunk + 12 words + finish chunk
        assertThat(chunks).hasSize(14);
        assertThat(chunks).allSatisfy(chunk -> {
            assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.get("id").asText()).isEqualTo(chunks.getFirst().get("id").asText()).startsWith("chatcmpl-");
            assertThat(chunk.get("model").asText()).isEqualTo("m");
            assertThat(chunk.has("usage")).as("usage appears only with include_usage").isFalse();
        });

        JsonNode firstDelta = chunks.getFirst().get("choices").get(0).get("delta");
        assertThat(firstDelta.get("role").asText()).isEqualTo("assistant");
        assertThat(firstDelta.get("content").asText()).isEmpty();

        JsonNode finish = chunks.getLast().get("choices").get(0);
        assertThat(finish.get("delta").isEmpty()).isTrue();
        assertThat(finish.get("finish_reason").asText()).isEqualTo("stop");
        assertThat(chunks.subList(0, chunks.size() - 1))
                .allSatisfy(chunk -> assertThat(chunk.get("choices").get(0).get("finish_reason").isNull()).isTrue());

        assertThat(concatenatedContent(chunks)).isEqualTo(FULL_REPLY);
    }

    @Test
    void streamEndsWithAUsageChunkWhenIncludeUsageIsSet() {
        HttpResponse<String> response = post("/v1/chat/completions", """
                {"model": "m", "stream": true, "stream_options": {"include_usage": true}, "max_tokens": 5,
                 "messages": %s}""".formatted(MESSAGES));

        List<SseEvent> events = parseSse(response.body());
        assertThat(events.getLast().data()).isEqualTo("[DONE]");
        List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(SseEvent::json).toList();
        // role chunk + 5 words + finish chunk + usage chunk
        assertThat(chunks).hasSize(8);
        List<JsonNode> contentChunks = chunks.subList(0, chunks.size() - 1);
        assertThat(contentChunks).allSatisfy(chunk -> {
            assertThat(chunk.has("usage")).isTrue();
            assertThat(chunk.get("usage").isNull()).isTrue();
        });
        assertThat(contentChunks.getLast().get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
        assertThat(concatenatedContent(contentChunks)).isEqualTo("This is a deterministic reply");

        JsonNode usageChunk = chunks.getLast();
        assertThat(usageChunk.get("choices")).isEmpty();
        assertThat(usageChunk.get("usage").get("prompt_tokens").asInt()).isEqualTo(MESSAGES_TOKENS);
        assertThat(usageChunk.get("usage").get("completion_tokens").asInt()).isEqualTo(5);
        assertThat(usageChunk.get("usage").get("total_tokens").asInt()).isEqualTo(MESSAGES_TOKENS + 5);
    }

    @Test
    void streamedConcatenationEqualsTheNonStreamedReply() {
        String request = "{\"model\": \"m\", \"max_tokens\": 11, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]";
        String plain = json(post("/v1/chat/completions", request + "}"))
                .get("choices").get(0).get("message").get("content").asText();
        List<SseEvent> events = parseSse(post("/v1/chat/completions", request + ", \"stream\": true}").body());

        List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(SseEvent::json).toList();
        assertThat(concatenatedContent(chunks)).isEqualTo(plain);
    }

    @Test
    void flushesEachChunkAsSoonAsItIsWritten() throws Exception {
        // The stream pauses a minute after its first chunk: that chunk can only arrive now if it was flushed.
        provider.updateConfig(provider.config().withChunkDelayMs(60_000));
        HttpRequest request = request("/v1/chat/completions")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\": \"m\", \"stream\": true, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"))
                .build();
        // Asynchronous end to end: without flushing, even the response headers would not arrive.
        CompletableFuture<String> firstLine = HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream())
                .thenApplyAsync(response -> readFirstLine(response.body()));

        try {
            assertThat(firstLine.get(10, TimeUnit.SECONDS)).startsWith("data: ").contains("\"role\":\"assistant\"");
        } finally {
            // Dropping the paused stream also frees the reading thread if the chunk never came.
            provider.close();
        }
    }

    @Test
    void malformedJsonIsA400InOpenAiShape() {
        HttpResponse<String> response = post("/v1/chat/completions", "{\"model\": \"m\", \"messages\": [");

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = json(response).get("error");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("message").asText()).contains("parse the JSON body");
        assertThat(error.has("param")).isTrue();
        assertThat(error.has("code")).isTrue();
    }

    @Test
    void missingModelOrMessagesIsA400() {
        HttpResponse<String> noModel = post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        HttpResponse<String> noMessages = post("/v1/chat/completions", "{\"model\": \"m\"}");
        HttpResponse<String> zeroMaxTokens = post("/v1/chat/completions",
                "{\"model\": \"m\", \"max_tokens\": 0, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");

        assertThat(noModel.statusCode()).isEqualTo(400);
        assertThat(json(noModel).get("error").get("message").asText()).contains("model");
        assertThat(noMessages.statusCode()).isEqualTo(400);
        assertThat(json(noMessages).get("error").get("param").asText()).isEqualTo("messages");
        assertThat(zeroMaxTokens.statusCode()).isEqualTo(400);
        assertThat(json(zeroMaxTokens).get("error").get("param").asText()).isEqualTo("max_tokens");
    }

    @Test
    void unknownPathsAre404InOpenAiShape() {
        HttpResponse<String> response = post("/v1/completions-that-do-not-exist", "{}");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(json(response).get("error").get("message").asText())
                .isEqualTo("Invalid URL (POST /v1/completions-that-do-not-exist)");
        assertThat(provider.requestCount(MockEndpoint.UNKNOWN)).isEqualTo(1);
    }

    private static String readFirstLine(InputStream body) {
        try {
            return new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8)).readLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String concatenatedContent(List<JsonNode> chunks) {
        StringBuilder content = new StringBuilder();
        for (JsonNode chunk : chunks) {
            JsonNode choices = chunk.get("choices");
            if (!choices.isEmpty() && choices.get(0).get("delta").has("content")) {
                content.append(choices.get(0).get("delta").get("content").asText());
            }
        }
        return content.toString();
    }
}
