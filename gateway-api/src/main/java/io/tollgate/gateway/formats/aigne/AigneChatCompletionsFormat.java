package io.tollgate.gateway.formats.aigne;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.errors.ApiShape;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.formats.ClientFormat;
import io.tollgate.gateway.formats.ClientStream;
import io.tollgate.gateway.providers.ProviderUsage;
import io.tollgate.gateway.providers.wire.SseEvent;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * AIGNE Hub's {@code POST /api/v2/chat/completions} (as in AIGNE Hub's {@code routes/v2.ts} and
 * {@code libs/ai-routes.ts}): OpenAI's chat shape with camelCase fields.
 *
 * <p>Request: {@code model}, {@code messages} (roles system/user/assistant/tool; user content a string or
 * parts {@code text} / {@code image_url} with {@code imageUrl.url}; assistant {@code toolCalls} with string
 * arguments; tool {@code toolCallId}), or {@code prompt} (a string, becomes one user message); {@code stream},
 * {@code temperature} (0–2), {@code topP} (0.1–1), {@code presencePenalty}, {@code frequencyPenalty} (−2–2),
 * {@code maxTokens} (integer ≥ 1), {@code tools}, {@code toolChoice} and {@code responseFormat}
 * ({@code jsonSchema}). Unknown fields are ignored, as AIGNE's validator strips them.
 *
 * <p>Answer, without streaming: {@code {"role":"assistant","text","content","toolCalls"?}} (Tollgate adds
 * {@code usage} in AIGNE's camelCase). Streaming: {@code data: {"delta":{"role":"assistant","content":…,
 * "toolCalls":[…]}}} per piece, then {@code data: {"usage":{"promptTokens","completionTokens","totalTokens"}}};
 * no {@code [DONE]}. AIGNE Hub streams when the client sends {@code Accept: text/event-stream} (its SDK
 * always does), whatever {@code stream} says: see {@link #toChatRequest(JsonNode, boolean)}.
 */
@Component
public class AigneChatCompletionsFormat implements ClientFormat {
    public static final String NAME = "aigne.chat.completions";
    private final ObjectMapper json;

    public AigneChatCompletionsFormat(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ApiShape errorShape() {
        return ApiShape.AIGNE;
    }

    /**
     * As {@link #toChatRequest(JsonNode)}, streaming also when the client accepts
     * {@code text/event-stream}, as AIGNE Hub does.
     */
    public ObjectNode toChatRequest(JsonNode body, boolean acceptsEventStream) {
        ObjectNode chat = toChatRequest(body);
        if (acceptsEventStream) {
            chat.put("stream", true);
        }
        return chat;
    }

    @Override
    public ObjectNode toChatRequest(JsonNode body) {
        if (!(body instanceof ObjectNode)) {
            throw bad("\"value\" must be of type object");
        }
        ObjectNode chat = json.createObjectNode();
        JsonNode model = body.get("model");
        if (model == null || model.isNull() || !model.isTextual() || model.asText().isBlank()) {
            throw bad("\"model\" is required");
        }
        chat.put("model", model.asText());
        ArrayNode messages = chat.putArray("messages");
        JsonNode prompt = body.get("prompt");
        if (prompt != null && !prompt.isNull()) {
            if (!prompt.isTextual()) {
                throw bad("\"prompt\" must be a string");
            }
            messages.addObject().put("role", "user").put("content", prompt.asText());
        } else {
            JsonNode input = body.get("messages");
            if (input == null || !input.isArray() || input.isEmpty()) {
                throw bad("\"messages\" must be a non-empty array");
            }
            for (int i = 0; i < input.size(); i++) {
                messages.add(AigneMessages.toOpenAi(json, input.get(i), "messages[" + i + "]", false));
            }
        }
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw bad("\"stream\" must be a boolean");
        }
        chat.put("stream", stream != null && stream.asBoolean(false));
        AigneMessages.number(body, "temperature", 0, 2, chat, "temperature");
        AigneMessages.number(body, "topP", 0.1, 1, chat, "top_p");
        AigneMessages.number(body, "presencePenalty", -2, 2, chat, "presence_penalty");
        AigneMessages.number(body, "frequencyPenalty", -2, 2, chat, "frequency_penalty");
        JsonNode maxTokens = body.get("maxTokens");
        if (maxTokens != null && !maxTokens.isNull()) {
            if (!maxTokens.isIntegralNumber() || !maxTokens.canConvertToInt() || maxTokens.asInt() < 1) {
                throw bad("\"maxTokens\" must be an integer greater than or equal to 1");
            }
            chat.put("max_tokens", maxTokens.asInt());
        }
        AigneMessages.tools(json, body, chat);
        AigneMessages.responseFormat(json, body.get("responseFormat"), chat);
        return chat;
    }

    @Override
    public JsonNode fromChatCompletion(ObjectNode completion, String model) {
        JsonNode message = completion.path("choices").path(0).path("message");
        String text = message.path("content").asText("");
        ObjectNode out = json.createObjectNode();
        out.put("role", "assistant");
        out.put("text", text);
        out.put("content", text);
        ArrayNode toolCalls = toolCalls(message.path("tool_calls"));
        if (!toolCalls.isEmpty()) {
            out.set("toolCalls", toolCalls);
        }
        if (completion.path("usage").isObject()) {
            out.set("usage", usage(AigneMessages.usage(completion.get("usage"))));
        }
        return out;
    }

    private ArrayNode toolCalls(JsonNode openAiCalls) {
        ArrayNode calls = json.createArrayNode();
        for (JsonNode call : openAiCalls) {
            ObjectNode converted = calls.addObject();
            converted.put("id", call.path("id").asText());
            converted.put("type", "function");
            converted.putObject("function").put("name", call.path("function").path("name").asText())
                    .put("arguments", call.path("function").path("arguments").asText(""));
        }
        return calls;
    }

    /**
     * AIGNE's usage: like AIGNE Hub, promptTokens are the framework's inputTokens, which leave out cached
     * input (AIGNE bills cache reads apart).
     */
    private ObjectNode usage(ProviderUsage usage) {
        long prompt = Math.max(0, usage.inputTokens() - usage.cachedInputTokens());
        ObjectNode node = json.createObjectNode();
        node.put("promptTokens", prompt);
        node.put("completionTokens", usage.outputTokens());
        node.put("totalTokens", prompt + usage.outputTokens());
        return node;
    }

    @Override
    public ClientStream stream(String model) {
        return new ClientStream() {
            /** Tool calls by OpenAI index, their arguments assembled from the fragments. */
            private final Map<Integer, ObjectNode> calls = new TreeMap<>();
            private boolean callsSent;

            @Override
            public List<SseEvent> onChunk(ObjectNode chunk) {
                List<SseEvent> events = new ArrayList<>();
                for (JsonNode choice : chunk.path("choices")) {
                    if (choice.path("index").asInt(0) != 0) {
                        continue;
                    }
                    JsonNode delta = choice.path("delta");
                    for (JsonNode call : delta.path("tool_calls")) {
                        ObjectNode assembled = calls.computeIfAbsent(call.path("index").asInt(0), i -> {
                            ObjectNode fresh = json.createObjectNode();
                            fresh.put("id", "");
                            fresh.put("type", "function");
                            fresh.putObject("function").put("name", "").put("arguments", "");
                            return fresh;
                        });
                        if (call.path("id").isTextual()) {
                            assembled.put("id", call.get("id").asText());
                        }
                        ObjectNode function = (ObjectNode) assembled.get("function");
                        JsonNode name = call.path("function").path("name");
                        if (name.isTextual() && !name.asText().isEmpty()) {
                            function.put("name", name.asText());
                        }
                        function.put("arguments", function.get("arguments").asText()
                                + call.path("function").path("arguments").asText(""));
                    }
                    String content = delta.path("content").asText("");
                    if (!content.isEmpty()) {
                        events.add(delta(content, json.createArrayNode()));
                    }
                    if (choice.path("finish_reason").isTextual()) {
                        flushCalls(events);
                    }
                }
                return events;
            }

            @Override
            public List<SseEvent> finish(ProviderUsage usage) {
                List<SseEvent> events = new ArrayList<>();
                flushCalls(events);
                if (usage != null) {
                    ObjectNode data = json.createObjectNode();
                    data.set("usage", usage(usage));
                    events.add(SseEvent.data(data.toString()));
                }
                return events;
            }

            /** AIGNE sends tool calls whole, once they are complete. */
            private void flushCalls(List<SseEvent> events) {
                if (!calls.isEmpty() && !callsSent) {
                    callsSent = true;
                    ArrayNode list = json.createArrayNode();
                    calls.values().forEach(list::add);
                    events.add(delta(null, list));
                }
            }

            private SseEvent delta(String content, ArrayNode toolCalls) {
                ObjectNode data = json.createObjectNode();
                ObjectNode delta = data.putObject("delta");
                delta.put("role", "assistant");
                if (content != null) {
                    delta.put("content", content);
                }
                delta.set("toolCalls", toolCalls);
                return SseEvent.data(data.toString());
            }
        };
    }

    @Override
    public Optional<SseEvent> streamError(String message) {
        return Optional.of(errorEvent(message));
    }

    /** AIGNE Hub's in-stream error: {@code data: {"error":{"message"}}} (after the stream started). */
    public SseEvent errorEvent(String message) {
        ObjectNode data = json.createObjectNode();
        data.putObject("error").put("message", message);
        return SseEvent.data(data.toString());
    }

    static GatewayException bad(String message) {
        return GatewayException.badRequest(message);
    }
}
