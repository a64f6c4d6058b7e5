package io.tollgate.gateway.formats.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.errors.GatewayException;

import java.util.Set;
import java.util.UUID;

/**
 * The Responses API's items: a client's {@code input} normalised into items (each with an id, as the API
 * lists them), and items (input and output alike) translated into the pivot's chat messages.
 *
 * <p>Supported: {@code message} items (also without {@code type}, as the API allows) of role user, assistant,
 * system or developer with a string or {@code input_text} / {@code input_image} / {@code output_text} /
 * {@code refusal} parts; {@code function_call}; {@code function_call_output}. {@code reasoning} items are
 * skipped (a chat provider takes no reasoning back). Anything else (file inputs, item references, built-in
 * tool calls) is refused with a 400.
 */
final class ResponsesItems {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Set<String> ROLES = Set.of("user", "assistant", "system", "developer");

    private ResponsesItems() {
    }

    /** A fresh item id with the API's prefix ({@code msg}, {@code fc}, {@code resp}, …). */
    public static String newId(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "");
    }

    /** The client's {@code input}, a string or a list of items, as validated items with ids. */
    public static ArrayNode normalise(JsonNode input) {
        ArrayNode items = NODES.arrayNode();
        if (input == null || input.isNull() || input.isMissingNode()) {
            return items;
        }
        if (input.isTextual()) {
            ObjectNode message = items.addObject().put("id", newId("msg")).put("type", "message")
                    .put("role", "user");
            message.putArray("content").addObject().put("type", "input_text").put("text", input.asText());
            return items;
        }
        if (!input.isArray()) {
            throw bad("'input' must be a string or an array of input items.");
        }
        for (int i = 0; i < input.size(); i++) {
            items.add(normaliseItem(input.get(i), "input[" + i + "]"));
        }
        return items;
    }

    private static ObjectNode normaliseItem(JsonNode item, String where) {
        if (!(item instanceof ObjectNode object)) {
            throw bad("'" + where + "' must be an object.");
        }
        ObjectNode copy = object.deepCopy();
        String type = item.path("type").asText(item.has("role") ? "message" : "");
        switch (type) {
            case "message" -> {
                String role = text(item, "role", where);
                if (!ROLES.contains(role)) {
                    throw bad("'" + where + ".role' must be one of user, assistant, system, developer.");
                }
                JsonNode content = item.get("content");
                if (content == null || !(content.isTextual() || content.isArray())) {
                    throw bad("'" + where + ".content' must be a string or an array of content parts.");
                }
                if (content.isArray()) {
                    for (int p = 0; p < content.size(); p++) {
                        checkPart(content.get(p), where + ".content[" + p + "]");
                    }
                }
                copy.put("type", "message");
                putIdIfAbsent(copy, "msg");
            }
            case "function_call" -> {
                text(item, "call_id", where);
                text(item, "name", where);
                if (!item.path("arguments").isTextual()) {
                    throw bad("'" + where + ".arguments' must be a string of JSON.");
                }
                putIdIfAbsent(copy, "fc");
            }
            case "function_call_output" -> {
                text(item, "call_id", where);
                JsonNode output = item.get("output");
                if (output == null || !(output.isTextual() || output.isArray())) {
                    throw bad("'" + where + ".output' must be a string or an array of content parts.");
                }
                putIdIfAbsent(copy, "fco");
            }
            case "reasoning" -> putIdIfAbsent(copy, "rs");
            case "" -> throw bad("'" + where + ".type' is required.");
            default -> throw bad("Input items of type '" + type + "' are not supported by this gateway; "
                    + "use message, function_call and function_call_output items.");
        }
        return copy;
    }

    private static void checkPart(JsonNode part, String where) {
        String type = part.path("type").asText("");
        switch (type) {
            case "input_text", "output_text" -> text(part, "text", where);
            case "refusal" -> text(part, "refusal", where);
            case "input_image" -> {
                if (!part.path("image_url").isTextual() || part.path("image_url").asText().isBlank()) {
                    throw bad("'" + where + ".image_url' is required: a URL or a data: URL (file_id is not supported).");
                }
            }
            default -> throw bad("Content parts of type '" + type + "' are not supported by this gateway; "
                    + "use input_text and input_image.");
        }
    }

    /** Appends the pivot's chat messages for these items to {@code messages}. */
    public static void toMessages(JsonNode items, ArrayNode messages) {
        for (JsonNode item : items) {
            switch (item.path("type").asText("message")) {
                case "message" -> messages.add(message(item));
                case "function_call" -> {
                    ObjectNode call = NODES.objectNode().put("id", item.path("call_id").asText())
                            .put("type", "function");
                    call.putObject("function").put("name", item.path("name").asText())
                            .put("arguments", item.path("arguments").asText());
                    assistantForToolCalls(messages).withArray("tool_calls").add(call);
                }
                case "function_call_output" -> messages.addObject().put("role", "tool")
                        .put("tool_call_id", item.path("call_id").asText())
                        .put("content", item.path("output").isTextual() ? item.path("output").asText()
                                : joinedText(item.path("output")));
                default -> {
                    // reasoning: nothing a chat provider takes back
                }
            }
        }
    }

    /**
     * Consecutive function calls are one assistant turn in the chat shape: they join the assistant message
     * just before them (its text included), else open a new one.
     */
    private static ObjectNode assistantForToolCalls(ArrayNode messages) {
        if (!messages.isEmpty() && messages.get(messages.size() - 1) instanceof ObjectNode last
                && "assistant".equals(last.path("role").asText())) {
            return last;
        }
        return messages.addObject().put("role", "assistant").putNull("content");
    }

    private static ObjectNode message(JsonNode item) {
        String role = item.path("role").asText();
        ObjectNode message = NODES.objectNode().put("role", "developer".equals(role) ? "system" : role);
        JsonNode content = item.path("content");
        if (content.isTextual()) {
            return message.put("content", content.asText());
        }
        boolean hasImage = false;
        for (JsonNode part : content) {
            hasImage |= "input_image".equals(part.path("type").asText());
        }
        if (!hasImage) {
            return message.put("content", joinedText(content));
        }
        ArrayNode parts = message.putArray("content");
        for (JsonNode part : content) {
            if ("input_image".equals(part.path("type").asText())) {
                ObjectNode image = parts.addObject().put("type", "image_url").putObject("image_url")
                        .put("url", part.path("image_url").asText());
                if (part.path("detail").isTextual()) {
                    image.put("detail", part.path("detail").asText());
                }
            } else {
                parts.addObject().put("type", "text").put("text", partText(part));
            }
        }
        return message;
    }

    private static String joinedText(JsonNode parts) {
        var text = new StringBuilder();
        for (JsonNode part : parts) {
            text.append(partText(part));
        }
        return text.toString();
    }

    private static String partText(JsonNode part) {
        return part.has("refusal") ? part.path("refusal").asText("") : part.path("text").asText("");
    }

    private static void putIdIfAbsent(ObjectNode item, String prefix) {
        if (!item.path("id").isTextual()) {
            item.put("id", newId(prefix));
        }
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw bad("'" + where + "." + field + "' is required and must be a string.");
        }
        return value.asText();
    }

    static GatewayException bad(String message) {
        return GatewayException.badRequest(message);
    }
}
