package io.tollgate.gateway.formats.aigne;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.errors.ApiShape;
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
 * AIGNE Hub's {@code POST /api/v2/chat}: the AIGNE framework's model-invoke shape, as served by AIGNE Hub's
 * {@code HubModelHTTPServer}.
 *
 * <p>Request: {@code {"input":{"messages":[…],"modelOptions":{"model",…},"tools","toolChoice",
 * "responseFormat"},"options":{"streaming":bool}}}; the model may also come as top-level {@code model}.
 * Messages: roles system/user/agent/tool ("assistant" accepted), content a string or parts
 * ({@code text}, {@code image_url}/{@code url} with {@code url}, {@code file} with base64 {@code data} and
 * {@code mimeType}), {@code toolCalls} with object arguments, {@code toolCallId}. modelOptions: temperature,
 * topP, frequencyPenalty, presencePenalty, parallelToolCalls, maxTokens, reasoningEffort.
 *
 * <p>Answer: the framework's ChatModelOutput {@code {"text"| "json","toolCalls"?,"usage":{"inputTokens",
 * "outputTokens","cacheReadInputTokens"},"model","modelWithProvider"}}. Streaming: one
 * {@code data: {"delta":{"text":{"text":…}}}} per piece, then {@code data: {"delta":{"json":{"toolCalls":[…]}}}}
 * when tools were called, then {@code data: {"delta":{"json":{"usage":…,"modelWithProvider":…}}}}. In-stream
 * errors: {@code event: error} with {@code {"message"}} ({@link #errorEvent}).
 *
 * <p>With {@code responseFormat.type = "json_schema"} the framework answers {@code json}, not {@code text}:
 * use {@link #wantsJson(JsonNode)} with {@link #fromChatCompletion(ObjectNode, String, boolean)} and
 * {@link #stream(String, boolean)}.
 */
@Component
public class AigneChatFormat implements ClientFormat {
    public static final String NAME = "aigne.chat";
    private final ObjectMapper json;

    public AigneChatFormat(ObjectMapper json) {
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

    /** Whether the client asked for JSON output ({@code input.responseFormat.type == "json_schema"}). */
    public static boolean wantsJson(JsonNode body) {
        String type = body.path("input").path("responseFormat").path("type").asText("");
        return type.equals("json_schema") || type.equals("json_object");
    }

    @Override
    public ObjectNode toChatRequest(JsonNode body) {
        if (!(body instanceof ObjectNode)) {
            throw AigneMessages.bad("Request body is required");
        }
        JsonNode input = body.get("input");
        if (input == null || !input.isObject()) {
            throw AigneMessages.bad("Validation error: \"input\" is required");
        }
        JsonNode options = input.path("modelOptions");
        String model = options.path("model").asText(body.path("model").asText(""));
        if (model.isBlank()) {
            throw AigneMessages.bad("Validation error: \"input.modelOptions.model\" is required");
        }
        ObjectNode chat = json.createObjectNode();
        chat.put("model", model);
        JsonNode messages = input.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw AigneMessages.bad("[chat] input.messages: a non-empty array is required");
        }
        ArrayNode out = chat.putArray("messages");
        for (int i = 0; i < messages.size(); i++) {
            out.add(AigneMessages.toOpenAi(json, messages.get(i), "input.messages[" + i + "]", true));
        }
        JsonNode streaming = body.path("options").path("streaming");
        chat.put("stream", streaming.asBoolean(false));
        AigneMessages.number(options, "temperature", 0, 2, chat, "temperature");
        AigneMessages.number(options, "topP", 0, 1, chat, "top_p");
        AigneMessages.number(options, "presencePenalty", -2, 2, chat, "presence_penalty");
        AigneMessages.number(options, "frequencyPenalty", -2, 2, chat, "frequency_penalty");
        JsonNode maxTokens = options.get("maxTokens");
        if (maxTokens != null && maxTokens.canConvertToInt() && maxTokens.asInt() > 0) {
            chat.put("max_tokens", maxTokens.asInt());
        }
        if (options.path("parallelToolCalls").isBoolean() && input.path("tools").size() > 0) {
            chat.put("parallel_tool_calls", options.get("parallelToolCalls").asBoolean());
        }
        if (options.path("reasoningEffort").isTextual()) {
            chat.put("reasoning_effort", options.get("reasoningEffort").asText());
        }
        AigneMessages.tools(json, input, chat);
        AigneMessages.responseFormat(json, input.get("responseFormat"), chat);
        return chat;
    }

    @Override
    public JsonNode fromChatCompletion(ObjectNode completion, String model) {
        return fromChatCompletion(completion, model, false);
    }

    /** @param jsonOutput whether the client asked for JSON ({@link #wantsJson}): the text goes to {@code json} */
    public JsonNode fromChatCompletion(ObjectNode completion, String model, boolean jsonOutput) {
        JsonNode message = completion.path("choices").path(0).path("message");
        ObjectNode out = json.createObjectNode();
        String text = message.path("content").asText("");
        JsonNode parsed = jsonOutput ? parse(text) : null;
        if (parsed != null) {
            out.set("json", parsed);
        } else if (!text.isEmpty() || message.path("tool_calls").isEmpty()) {
            out.put("text", text);
        }
        ArrayNode calls = json.createArrayNode();
        for (JsonNode call : message.path("tool_calls")) {
            calls.add(toolCall(call.path("id").asText(), call.path("function").path("name").asText(),
                    call.path("function").path("arguments").asText("")));
        }
        if (!calls.isEmpty()) {
            out.set("toolCalls", calls);
        }
        if (completion.path("usage").isObject()) {
            out.set("usage", usage(AigneMessages.usage(completion.get("usage"))));
        }
        if (completion.path("model").isTextual()) {
            out.put("model", completion.get("model").asText());
        }
        out.put("modelWithProvider", model);
        return out;
    }

    private ObjectNode toolCall(String id, String name, String arguments) {
        ObjectNode call = json.createObjectNode();
        call.put("id", id);
        call.put("type", "function");
        JsonNode parsed = parse(arguments);
        call.putObject("function").put("name", name)
                .set("arguments", parsed != null && parsed.isObject() ? parsed : json.createObjectNode());
        return call;
    }

    private JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return json.readTree(text);
        } catch (JsonProcessingException notJson) {
            return null;
        }
    }

    /** The framework's usage: inputTokens leave out cache reads, which come apart. */
    private ObjectNode usage(ProviderUsage usage) {
        ObjectNode node = json.createObjectNode();
        node.put("inputTokens", Math.max(0, usage.inputTokens() - usage.cachedInputTokens()));
        node.put("outputTokens", usage.outputTokens());
        if (usage.cachedInputTokens() > 0) {
            node.put("cacheReadInputTokens", usage.cachedInputTokens());
        }
        return node;
    }

    @Override
    public ClientStream stream(String model) {
        return stream(model, false);
    }

    /** @param jsonOutput whether the client asked for JSON: the text is gathered and sent as one {@code json} delta */
    public ClientStream stream(String model, boolean jsonOutput) {
        return new ClientStream() {
            private final Map<Integer, String[]> calls = new TreeMap<>();
            private final StringBuilder jsonText = new StringBuilder();
            private String providerModel;

            @Override
            public List<SseEvent> onChunk(ObjectNode chunk) {
                List<SseEvent> events = new ArrayList<>();
                if (providerModel == null && chunk.path("model").isTextual()) {
                    providerModel = chunk.get("model").asText();
                }
                for (JsonNode choice : chunk.path("choices")) {
                    if (choice.path("index").asInt(0) != 0) {
                        continue;
                    }
                    JsonNode delta = choice.path("delta");
                    String content = delta.path("content").asText("");
                    if (!content.isEmpty()) {
                        if (jsonOutput) {
                            jsonText.append(content);
                        } else {
                            ObjectNode data = json.createObjectNode();
                            data.putObject("delta").putObject("text").put("text", content);
                            events.add(SseEvent.data(data.toString()));
                        }
                    }
                    for (JsonNode call : delta.path("tool_calls")) {
                        String[] assembled = calls.computeIfAbsent(call.path("index").asInt(0), i -> new String[]{"", "", ""});
                        if (call.path("id").isTextual()) {
                            assembled[0] = call.get("id").asText();
                        }
                        if (call.path("function").path("name").isTextual()) {
                            assembled[1] += call.path("function").path("name").asText();
                        }
                        assembled[2] += call.path("function").path("arguments").asText("");
                    }
                }
                return events;
            }

            @Override
            public List<SseEvent> finish(ProviderUsage usage) {
                List<SseEvent> events = new ArrayList<>();
                if (jsonOutput && !jsonText.isEmpty()) {
                    JsonNode parsed = parse(jsonText.toString());
                    ObjectNode data = json.createObjectNode();
                    ObjectNode delta = data.putObject("delta");
                    if (parsed != null) {
                        delta.putObject("json").set("json", parsed);
                    } else {
                        delta.putObject("text").put("text", jsonText.toString());
                    }
                    events.add(SseEvent.data(data.toString()));
                }
                if (!calls.isEmpty()) {
                    ObjectNode data = json.createObjectNode();
                    ArrayNode list = data.putObject("delta").putObject("json").putArray("toolCalls");
                    calls.values().forEach(c -> list.add(toolCall(c[0], c[1], c[2])));
                    events.add(SseEvent.data(data.toString()));
                }
                ObjectNode data = json.createObjectNode();
                ObjectNode last = data.putObject("delta").putObject("json");
                if (usage != null) {
                    last.set("usage", usage(usage));
                }
                if (providerModel != null) {
                    last.put("model", providerModel);
                }
                last.put("modelWithProvider", model);
                events.add(SseEvent.data(data.toString()));
                return events;
            }
        };
    }

    @Override
    public Optional<SseEvent> streamError(String message) {
        return Optional.of(errorEvent(message));
    }

    /** The framework's in-stream error: {@code event: error} with {@code {"message"}}. */
    public SseEvent errorEvent(String message) {
        return new SseEvent("error", json.createObjectNode().put("message", message).toString());
    }
}
