package io.tollgate.gateway.formats.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.errors.ApiShape;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.formats.ClientFormat;
import io.tollgate.gateway.formats.ClientStream;
import io.tollgate.gateway.providers.ProviderUsage;
import io.tollgate.gateway.providers.wire.SseEvent;
import org.springframework.stereotype.Component;

import java.util.List;
import java.util.Optional;

/** OpenAI's chat completions API: the pivot itself, so requests and answers pass as they are. */
@Component
public class OpenAiChatFormat implements ClientFormat {
    public static final String NAME = "openai.chat";
    private final ObjectMapper json;

    public OpenAiChatFormat(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ApiShape errorShape() {
        return ApiShape.OPENAI;
    }

    @Override
    public ObjectNode toChatRequest(JsonNode clientBody) {
        if (!(clientBody instanceof ObjectNode body)) {
            throw GatewayException.badRequest("The request body must be a JSON object.");
        }
        return body;
    }

    @Override
    public JsonNode fromChatCompletion(ObjectNode completion, String model) {
        return completion;
    }

    @Override
    public ClientStream stream(String model) {
        return stream(false);
    }

    /** @param includeUsage whether the client asked for the usage chunk ({@code stream_options.include_usage}) */
    public ClientStream stream(boolean includeUsage) {
        return new ClientStream() {
            private ObjectNode lastChunk;

            @Override
            public List<SseEvent> onChunk(ObjectNode chunk) {
                if (chunk.has("usage") && chunk.path("choices").isEmpty()) {
                    return List.of();
                }
                lastChunk = chunk;
                chunk.remove("usage");
                return List.of(SseEvent.data(chunk.toString()));
            }

            @Override
            public List<SseEvent> finish(ProviderUsage usage) {
                if (!includeUsage) {
                    return List.of(SseEvent.data("[DONE]"));
                }
                ObjectNode usageChunk = json.createObjectNode();
                if (lastChunk != null) {
                    usageChunk.set("id", lastChunk.get("id"));
                    usageChunk.put("object", "chat.completion.chunk");
                    usageChunk.set("created", lastChunk.get("created"));
                    usageChunk.set("model", lastChunk.get("model"));
                }
                usageChunk.putArray("choices");
                usageChunk.set("usage", usageObject(json, usage));
                return List.of(SseEvent.data(usageChunk.toString()), SseEvent.data("[DONE]"));
            }
        };
    }

    /** OpenAI's servers end a broken stream with an error object in a data line. */
    @Override
    public Optional<SseEvent> streamError(String message) {
        ObjectNode error = json.createObjectNode();
        error.putObject("error").put("message", message).put("type", "server_error").putNull("param").putNull("code");
        return Optional.of(SseEvent.data(error.toString()));
    }

    /** OpenAI's usage object for normalised usage. */
    public static ObjectNode usageObject(ObjectMapper json, ProviderUsage usage) {
        ObjectNode node = json.createObjectNode();
        node.put("prompt_tokens", usage.inputTokens());
        node.put("completion_tokens", usage.outputTokens());
        node.put("total_tokens", usage.inputTokens() + usage.outputTokens());
        node.putObject("prompt_tokens_details").put("cached_tokens", usage.cachedInputTokens());
        node.putObject("completion_tokens_details").put("reasoning_tokens", usage.reasoningTokens());
        return node;
    }
}
