package io.tollgate.gateway.formats.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.errors.ApiShape;
import io.tollgate.gateway.formats.ClientFormat;
import io.tollgate.gateway.formats.ClientStream;
import io.tollgate.gateway.providers.ProviderUsage;
import io.tollgate.gateway.providers.wire.SseEvent;

import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static io.tollgate.gateway.formats.responses.ResponsesItems.bad;

/**
 * One call of OpenAI's Responses API ({@code POST /v1/responses}) as a client format: a fresh instance per
 * request, because the answer names the response's id, echoes the request's settings and, when stored,
 * is handed to a {@link Keeper} before the client sees it (so that a follow-up turn naming it finds it).
 *
 * <p>Request: {@code instructions} → a system message first, then the stored conversation of
 * {@code previous_response_id} (its inputs and outputs), then {@code input} (see {@link ResponsesItems});
 * function {@code tools} → chat function tools; {@code tool_choice} auto/none/required/{function} as in
 * chat; {@code text.format} json_schema / json_object → {@code response_format}; {@code max_output_tokens}
 * → {@code max_tokens}; temperature, top_p, parallel_tool_calls and user kept; {@code reasoning.effort} →
 * {@code reasoning_effort}. Built-in tools, background mode, conversations and prompt templates are refused.
 */
public final class ResponsesTurn implements ClientFormat {
    public static final String NAME = "openai.responses";
    private static final Set<String> UNSUPPORTED = Set.of("background", "conversation", "prompt");
    private static final int MAX_METADATA_PAIRS = 16;

    /** Keeps a finished response (the answer as the client gets it, cost included) and its input items. */
    public interface Keeper {
        void keep(String responseId, ArrayNode inputItems, ObjectNode response);
    }

    private final ObjectMapper json;
    private final String id = ResponsesItems.newId("resp");
    private final long createdAt = Instant.now().getEpochSecond();
    private final ArrayNode priorItems;
    private final Keeper keeper;
    private ObjectNode request;
    private ArrayNode inputItems;
    private ResponsesStream stream;

    /**
     * @param priorItems the stored conversation the request continues (inputs and outputs in order), empty
     *                   without {@code previous_response_id}
     */
    public ResponsesTurn(ObjectMapper json, ArrayNode priorItems, Keeper keeper) {
        this.json = json;
        this.priorItems = priorItems;
        this.keeper = keeper;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ApiShape errorShape() {
        return ApiShape.OPENAI;
    }

    public String id() {
        return id;
    }

    @Override
    public ObjectNode toChatRequest(JsonNode clientBody) {
        if (!(clientBody instanceof ObjectNode body)) {
            throw bad("The request body must be a JSON object.");
        }
        for (String field : UNSUPPORTED) {
            JsonNode value = body.path(field);
            if (!value.isMissingNode() && !value.isNull() && !(value.isBoolean() && !value.asBoolean())) {
                throw bad("'" + field + "' is not supported by this gateway.");
            }
        }
        request = body;
        inputItems = ResponsesItems.normalise(body.get("input"));
        if (inputItems.isEmpty() && priorItems.isEmpty()) {
            throw bad("'input' must be a string or a non-empty array of input items.");
        }
        ObjectNode chat = json.createObjectNode();
        if (body.has("model")) {
            chat.set("model", body.get("model"));
        }
        ArrayNode messages = chat.putArray("messages");
        JsonNode instructions = body.path("instructions");
        if (!instructions.isMissingNode() && !instructions.isNull()) {
            if (!instructions.isTextual()) {
                throw bad("'instructions' must be a string.");
            }
            messages.addObject().put("role", "system").put("content", instructions.asText());
        }
        ResponsesItems.toMessages(priorItems, messages);
        ResponsesItems.toMessages(inputItems, messages);
        JsonNode maxOutput = body.path("max_output_tokens");
        if (!maxOutput.isMissingNode() && !maxOutput.isNull()) {
            if (!maxOutput.isIntegralNumber() || !maxOutput.canConvertToInt() || maxOutput.asInt() < 1) {
                throw bad("'max_output_tokens' must be a positive integer.");
            }
            chat.put("max_tokens", maxOutput.asInt());
        }
        for (String number : new String[]{"temperature", "top_p"}) {
            JsonNode value = body.path(number);
            if (!value.isMissingNode() && !value.isNull()) {
                if (!value.isNumber()) {
                    throw bad("'" + number + "' must be a number.");
                }
                chat.set(number, value);
            }
        }
        copyIf(body, chat, "parallel_tool_calls", JsonNode::isBoolean, "a boolean");
        copyIf(body, chat, "user", JsonNode::isTextual, "a string");
        copyIf(body, chat, "stream", JsonNode::isBoolean, "a boolean");
        booleanOrNull(body, "store");
        JsonNode effort = body.path("reasoning").path("effort");
        if (effort.isTextual()) {
            chat.put("reasoning_effort", effort.asText());
        }
        checkMetadata(body.path("metadata"));
        tools(body, chat);
        textFormat(body.path("text").path("format"), chat);
        return chat;
    }

    private static void copyIf(ObjectNode body, ObjectNode chat, String field,
                               java.util.function.Predicate<JsonNode> valid, String what) {
        JsonNode value = body.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return;
        }
        if (!valid.test(value)) {
            throw bad("'" + field + "' must be " + what + ".");
        }
        chat.set(field, value);
    }

    private static void booleanOrNull(ObjectNode body, String field) {
        JsonNode value = body.path(field);
        if (!value.isMissingNode() && !value.isNull() && !value.isBoolean()) {
            throw bad("'" + field + "' must be a boolean.");
        }
    }

    private static void checkMetadata(JsonNode metadata) {
        if (metadata.isMissingNode() || metadata.isNull()) {
            return;
        }
        if (!metadata.isObject() || metadata.size() > MAX_METADATA_PAIRS) {
            throw bad("'metadata' must be an object of at most " + MAX_METADATA_PAIRS + " string values.");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = metadata.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> pair = it.next();
            if (pair.getKey().length() > 64 || !pair.getValue().isTextual() || pair.getValue().asText().length() > 512) {
                throw bad("'metadata' keys are at most 64 characters and its values strings of at most 512.");
            }
        }
    }

    private static void tools(ObjectNode body, ObjectNode chat) {
        JsonNode tools = body.path("tools");
        if (!tools.isMissingNode() && !tools.isNull()) {
            if (!tools.isArray()) {
                throw bad("'tools' must be an array.");
            }
            ArrayNode out = chat.putArray("tools");
            for (int i = 0; i < tools.size(); i++) {
                JsonNode tool = tools.get(i);
                String type = tool.path("type").asText("");
                if (!"function".equals(type)) {
                    throw bad("Tools of type '" + type + "' (tools[" + i + "]) are not supported by this gateway; "
                            + "only function tools are.");
                }
                if (!tool.path("name").isTextual() || tool.path("name").asText().isBlank()) {
                    throw bad("'tools[" + i + "].name' is required.");
                }
                ObjectNode function = out.addObject().put("type", "function").putObject("function");
                function.put("name", tool.path("name").asText());
                for (String field : new String[]{"description", "parameters", "strict"}) {
                    if (tool.hasNonNull(field)) {
                        function.set(field, tool.get(field));
                    }
                }
            }
            if (out.isEmpty()) {
                chat.remove("tools");
            }
        }
        JsonNode choice = body.path("tool_choice");
        if (choice.isMissingNode() || choice.isNull()) {
            return;
        }
        if (choice.isTextual() && Set.of("auto", "none", "required").contains(choice.asText())) {
            chat.set("tool_choice", choice);
        } else if ("function".equals(choice.path("type").asText()) && choice.path("name").isTextual()) {
            chat.putObject("tool_choice").put("type", "function").putObject("function")
                    .put("name", choice.path("name").asText());
        } else {
            throw bad("'tool_choice' must be auto, none, required or {\"type\":\"function\",\"name\":…}.");
        }
    }

    private static void textFormat(JsonNode format, ObjectNode chat) {
        if (format.isMissingNode() || format.isNull()) {
            return;
        }
        switch (format.path("type").asText("")) {
            case "text" -> {
            }
            case "json_object" -> chat.putObject("response_format").put("type", "json_object");
            case "json_schema" -> {
                if (!format.path("name").isTextual() || !format.path("schema").isObject()) {
                    throw bad("'text.format' of type json_schema needs a 'name' and a 'schema' object.");
                }
                ObjectNode schema = chat.putObject("response_format").put("type", "json_schema")
                        .putObject("json_schema");
                for (String field : new String[]{"name", "description", "schema", "strict"}) {
                    if (format.hasNonNull(field)) {
                        schema.set(field, format.get(field));
                    }
                }
            }
            default -> throw bad("'text.format.type' must be text, json_object or json_schema.");
        }
    }

    @Override
    public JsonNode fromChatCompletion(ObjectNode completion, String model) {
        JsonNode choice = completion.path("choices").path(0);
        ArrayNode output = json.createArrayNode();
        JsonNode message = choice.path("message");
        String text = message.path("content").isTextual() ? message.path("content").asText() : "";
        if (!text.isEmpty()) {
            output.add(messageItem(ResponsesItems.newId("msg"), "completed", outputText(text)));
        } else if (message.path("refusal").isTextual()) {
            ObjectNode refusal = json.createObjectNode().put("type", "refusal")
                    .put("refusal", message.path("refusal").asText());
            output.add(messageItem(ResponsesItems.newId("msg"), "completed", refusal));
        }
        for (JsonNode call : message.path("tool_calls")) {
            output.add(functionCallItem(ResponsesItems.newId("fc"), "completed", call.path("id").asText(),
                    call.path("function").path("name").asText(), call.path("function").path("arguments").asText("")));
        }
        ObjectNode response = response(statusFor(choice.path("finish_reason").asText(null)), model);
        response.set("output", output);
        response.set("usage", usage(json, usageOf(completion.path("usage"))));
        return response;
    }

    /** Tells the keeper of the answer about to go out, so that it can be continued once the client has it. */
    @Override
    public void delivering(JsonNode answer) {
        if (answer instanceof ObjectNode response && !"failed".equals(response.path("status").asText())) {
            keeper.keep(id, inputItems, response);
        }
    }

    @Override
    public ClientStream stream(String model) {
        stream = new ResponsesStream(json, this, model);
        return stream;
    }

    /** The API's {@code response.failed}, the stream's last event. */
    @Override
    public Optional<SseEvent> streamError(String message) {
        if (stream == null) {
            stream = new ResponsesStream(json, this, request == null ? "" : request.path("model").asText(""));
        }
        return Optional.of(stream.failed(message));
    }

    void delivered(ObjectNode response) {
        keeper.keep(id, inputItems, response);
    }

    /** completed, or incomplete when the output limit cut the answer short. */
    static String statusFor(String finishReason) {
        return "length".equals(finishReason) ? "incomplete" : "completed";
    }

    /** The response object with this request's settings echoed, as the API returns it; no output or usage yet. */
    ObjectNode response(String status, String model) {
        ObjectNode response = json.createObjectNode();
        response.put("id", id);
        response.put("object", "response");
        response.put("created_at", createdAt);
        response.put("status", status);
        response.putNull("error");
        if ("incomplete".equals(status)) {
            response.putObject("incomplete_details").put("reason", "max_output_tokens");
        } else {
            response.putNull("incomplete_details");
        }
        ObjectNode body = request == null ? json.createObjectNode() : request;
        response.set("instructions", body.path("instructions").isTextual() ? body.get("instructions") : null);
        response.set("max_output_tokens", body.path("max_output_tokens").isIntegralNumber()
                ? body.get("max_output_tokens") : null);
        response.put("model", model);
        response.putArray("output");
        response.put("parallel_tool_calls", body.path("parallel_tool_calls").asBoolean(true));
        response.set("previous_response_id", body.path("previous_response_id").isTextual()
                ? body.get("previous_response_id") : null);
        ObjectNode reasoning = response.putObject("reasoning");
        reasoning.set("effort", body.path("reasoning").path("effort").isTextual()
                ? body.path("reasoning").get("effort") : null);
        reasoning.putNull("summary");
        response.put("store", body.path("store").asBoolean(true));
        response.put("temperature", body.path("temperature").isNumber() ? body.get("temperature").asDouble() : 1.0);
        ObjectNode text = response.putObject("text");
        if (body.path("text").path("format").isObject()) {
            text.set("format", body.path("text").get("format"));
        } else {
            text.putObject("format").put("type", "text");
        }
        response.set("tool_choice", body.hasNonNull("tool_choice") ? body.get("tool_choice")
                : json.getNodeFactory().textNode("auto"));
        response.set("tools", body.path("tools").isArray() ? body.get("tools") : json.createArrayNode());
        response.put("top_p", body.path("top_p").isNumber() ? body.get("top_p").asDouble() : 1.0);
        response.put("truncation", "disabled");
        response.putNull("usage");
        response.set("user", body.path("user").isTextual() ? body.get("user") : null);
        response.set("metadata", body.path("metadata").isObject() ? body.get("metadata") : json.createObjectNode());
        return response;
    }

    ObjectNode messageItem(String itemId, String status, ObjectNode... parts) {
        ObjectNode item = json.createObjectNode().put("id", itemId).put("type", "message").put("status", status)
                .put("role", "assistant");
        ArrayNode content = item.putArray("content");
        for (ObjectNode part : parts) {
            content.add(part);
        }
        return item;
    }

    ObjectNode outputText(String text) {
        ObjectNode part = json.createObjectNode().put("type", "output_text").put("text", text);
        part.putArray("annotations");
        part.putArray("logprobs");
        return part;
    }

    ObjectNode functionCallItem(String itemId, String status, String callId, String name, String arguments) {
        return json.createObjectNode().put("id", itemId).put("type", "function_call").put("status", status)
                .put("arguments", arguments).put("call_id", callId).put("name", name);
    }

    static ProviderUsage usageOf(JsonNode usage) {
        return new ProviderUsage(usage.path("prompt_tokens").asLong(0), usage.path("completion_tokens").asLong(0),
                usage.path("prompt_tokens_details").path("cached_tokens").asLong(0),
                usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0));
    }

    /** The Responses API's usage object. */
    static ObjectNode usage(ObjectMapper json, ProviderUsage usage) {
        ObjectNode node = json.createObjectNode();
        node.put("input_tokens", usage.inputTokens());
        node.putObject("input_tokens_details").put("cached_tokens", usage.cachedInputTokens());
        node.put("output_tokens", usage.outputTokens());
        node.putObject("output_tokens_details").put("reasoning_tokens", usage.reasoningTokens());
        node.put("total_tokens", usage.inputTokens() + usage.outputTokens());
        return node;
    }
}
