package io.tollgate.gateway.providers.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.providers.ChunkTranslator;
import io.tollgate.gateway.providers.ProviderAdapter;
import io.tollgate.gateway.providers.ProviderUrls;
import io.tollgate.gateway.providers.openai.OpenAiAnswers;
import io.tollgate.gateway.providers.WireFormat;
import org.springframework.stereotype.Component;

import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Instant;
import java.util.Optional;

/**
 * Anthropic's Messages API: {@code POST {baseUrl}/messages} (base URL like {@code https://api.anthropic.com/v1})
 * with {@code x-api-key} and {@code anthropic-version: 2023-06-01}. Request translation: {@link AnthropicRequests};
 * stream translation: {@link AnthropicChunkTranslator}.
 *
 * <p>Usage: {@code prompt_tokens = input_tokens + cache_read_input_tokens + cache_creation_input_tokens},
 * {@code cached_tokens = cache_read_input_tokens}, {@code cache_write_tokens = cache_creation_input_tokens}
 * (billed at 1.25 times the input rate), {@code completion_tokens = output_tokens} (thinking
 * included; Anthropic does not report thinking tokens apart, so {@code reasoning_tokens} is 0).
 */
@Component
public class AnthropicAdapter implements ProviderAdapter {
    public static final String API_VERSION = "2023-06-01";

    private final ObjectMapper json;
    private final AnthropicRequests requests;

    public AnthropicAdapter(ObjectMapper json) {
        this.json = json;
        this.requests = new AnthropicRequests(json);
    }

    @Override
    public WireFormat wireFormat() {
        return WireFormat.ANTHROPIC;
    }

    @Override
    public HttpRequest.Builder chatRequest(URI baseUrl, String secret, ObjectNode chatRequest) {
        ObjectNode body = requests.toMessagesRequest(chatRequest);
        try {
            return HttpRequest.newBuilder(ProviderUrls.resolve(baseUrl, "messages"))
                    .header("x-api-key", secret)
                    .header("anthropic-version", API_VERSION)
                    .header("Content-Type", "application/json")
                    .header("Accept", body.path("stream").asBoolean(false) ? "text/event-stream" : "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The Anthropic request body for an OpenAI chat request (what {@link #chatRequest} sends). */
    public ObjectNode toMessagesRequest(ObjectNode chatRequest) {
        return requests.toMessagesRequest(chatRequest);
    }

    @Override
    public ObjectNode toChatCompletion(JsonNode answer, String model) {
        ObjectNode completion = json.createObjectNode();
        completion.put("id", answer.path("id").asText("msg"));
        completion.put("object", "chat.completion");
        completion.put("created", Instant.now().getEpochSecond());
        completion.put("model", answer.path("model").asText(model));
        ObjectNode choice = completion.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        var text = new StringBuilder();
        var reasoning = new StringBuilder();
        ArrayNode toolCalls = json.createArrayNode();
        for (JsonNode block : answer.path("content")) {
            switch (block.path("type").asText()) {
                case "text" -> text.append(block.path("text").asText());
                case "thinking" -> reasoning.append(block.path("thinking").asText());
                case "tool_use" -> {
                    ObjectNode call = toolCalls.addObject();
                    call.put("id", block.path("id").asText());
                    call.put("type", "function");
                    call.putObject("function").put("name", block.path("name").asText())
                            .put("arguments", block.path("input").isMissingNode() ? "{}" : block.get("input").toString());
                }
                default -> { }
            }
        }
        if (text.isEmpty() && !toolCalls.isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", text.toString());
        }
        if (!reasoning.isEmpty()) {
            message.put("reasoning_content", reasoning.toString());
        }
        if (!toolCalls.isEmpty()) {
            message.set("tool_calls", toolCalls);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(answer.path("stop_reason").asText(null)));
        if (answer.path("usage").isObject()) {
            completion.set("usage", usage(json, answer.get("usage")));
        }
        return completion;
    }

    /** Anthropic's stop_reason as OpenAI's finish_reason. */
    public static String finishReason(String stopReason) {
        if (stopReason == null) {
            return "stop";
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence, pause_turn
        };
    }

    /** Anthropic's usage object as OpenAI's. */
    static ObjectNode usage(ObjectMapper json, JsonNode usage) {
        long cacheRead = usage.path("cache_read_input_tokens").asLong(0);
        long cacheWrite = usage.path("cache_creation_input_tokens").asLong(0);
        long input = usage.path("input_tokens").asLong(0) + cacheRead + cacheWrite;
        long output = usage.path("output_tokens").asLong(0);
        // Cache writes are billed at 1.25 times the input rate (ModelRate#cacheWriteCostMicros).
        return OpenAiAnswers.usageObject(json, input, output, cacheRead, cacheWrite, 0);
    }

    /**
     * {@inheritDoc}
     *
     * <p>An {@code error} event mid-stream makes {@link ChunkTranslator#translate} throw an
     * {@link UncheckedIOException} (cause: an IOException carrying the provider's error type and message),
     * the same signal as a broken upstream connection.
     */
    @Override
    public ChunkTranslator chunkTranslator(String model) {
        return new AnthropicChunkTranslator(json, model);
    }

    @Override
    public Optional<String> errorMessage(JsonNode providerError) {
        JsonNode message = providerError.path("error").path("message");
        return message.isTextual() ? Optional.of(message.asText()) : Optional.empty();
    }

    /**
     * Anthropic's {@code authentication_error} (its 401, and any status that names it). A 403
     * {@code permission_error} is about what the request asks for, not whether the key is genuine.
     */
    @Override
    public boolean rejectsCredential(int httpStatus, JsonNode errorBody) {
        return httpStatus == 401 || (errorBody != null
                && "authentication_error".equals(errorBody.path("error").path("type").asText()));
    }
}
