package io.tollgate.gateway.providers.bedrock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.providers.ChatPivot;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * OpenAI chat request → Bedrock Converse request body (the same for {@code Converse} and {@code ConverseStream}).
 *
 * <ul>
 *   <li>system/developer messages → {@code system} text blocks; user and tool messages → role {@code user},
 *       assistant → role {@code assistant}; consecutive messages of one role are merged into one (Converse
 *       wants the roles to alternate, and parallel tool results in one user turn);</li>
 *   <li>text parts → {@code text} blocks (empty ones dropped: Converse refuses blank text); {@code image_url}
 *       base64 data URLs → {@code image} blocks (png, jpeg, gif, webp); an image by http(s) URL is refused
 *       with a 400, since Converse takes image bytes or S3 locations only;</li>
 *   <li>assistant tool_calls → {@code toolUse} blocks (arguments parsed to the JSON {@code input}); tool
 *       messages → {@code toolResult} blocks with the content as text;</li>
 *   <li>{@code inferenceConfig}: maxTokens (max_completion_tokens or max_tokens), temperature, topP,
 *       stopSequences (stop);</li>
 *   <li>tools → {@code toolConfig.tools[].toolSpec} with the parameters as {@code inputSchema.json};
 *       tool_choice auto/required/{function} → {@code auto}/{@code any}/{@code tool}; none → no choice.</li>
 * </ul>
 * What Converse cannot do is refused with a 400 before anything goes upstream: n &gt; 1, and response_format
 * other than text.
 */
final class BedrockRequests {
    private static final Set<String> IMAGE_FORMATS = Set.of("png", "jpeg", "gif", "webp");

    private final ObjectMapper json;

    BedrockRequests(ObjectMapper json) {
        this.json = json;
    }

    ObjectNode toConverseRequest(JsonNode chat) {
        if (chat.path("n").asInt(1) > 1) {
            throw GatewayException.badRequest("Bedrock models return one choice: 'n' must be 1.");
        }
        JsonNode format = chat.path("response_format");
        if (format.isObject() && !"text".equals(format.path("type").asText("text"))) {
            throw GatewayException.badRequest("response_format '" + format.path("type").asText()
                    + "' is not supported by Bedrock models.");
        }
        ObjectNode out = json.createObjectNode();
        ArrayNode messages = out.putArray("messages");
        List<String> system = new ArrayList<>();
        for (JsonNode message : chat.path("messages")) {
            String role = message.path("role").asText();
            switch (role) {
                case "system", "developer" -> {
                    String text = ChatPivot.textOf(message.get("content"));
                    if (!text.isEmpty()) {
                        system.add(text);
                    }
                }
                case "user" -> append(messages, "user", userContent(message.get("content")));
                case "assistant" -> append(messages, "assistant", assistantContent(message));
                case "tool", "function" -> append(messages, "user", toolResult(message));
                default -> throw GatewayException.badRequest("Unsupported message role '" + role + "'.");
            }
        }
        if (messages.isEmpty()) {
            throw GatewayException.badRequest("At least one user or assistant message is required.");
        }
        if (!system.isEmpty()) {
            ArrayNode systemBlocks = out.putArray("system");
            system.forEach(text -> systemBlocks.addObject().put("text", text));
        }
        ObjectNode inference = inferenceConfig(chat);
        if (!inference.isEmpty()) {
            out.set("inferenceConfig", inference);
        }
        tools(chat, out);
        return out;
    }

    /** Adds the blocks to the last message when it has the same role, else as a new message. */
    private static void append(ArrayNode messages, String role, ArrayNode content) {
        if (content.isEmpty()) {
            return;
        }
        JsonNode last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
        if (last != null && role.equals(last.path("role").asText())) {
            ((ArrayNode) last.get("content")).addAll(content);
            return;
        }
        ObjectNode message = messages.addObject();
        message.put("role", role);
        message.set("content", content);
    }

    private ArrayNode userContent(JsonNode content) {
        ArrayNode blocks = json.createArrayNode();
        if (content == null || content.isNull()) {
            return blocks;
        }
        if (content.isTextual()) {
            text(blocks, content.asText());
            return blocks;
        }
        for (JsonNode part : content) {
            String type = part.path("type").asText();
            switch (type) {
                case "text" -> text(blocks, part.path("text").asText(""));
                case "image_url" -> blocks.add(image(part.path("image_url").path("url").asText("")));
                default -> throw GatewayException.badRequest(
                        "Content part type '" + type + "' is not supported by Bedrock models.");
            }
        }
        return blocks;
    }

    private static void text(ArrayNode blocks, String text) {
        if (!text.isBlank()) {
            blocks.addObject().put("text", text);
        }
    }

    private ObjectNode image(String url) {
        if (!url.startsWith("data:")) {
            throw GatewayException.badRequest("Bedrock models take images as base64 data URLs (data:image/png;base64,…), "
                    + "not by address.");
        }
        int comma = url.indexOf(',');
        String header = comma < 0 ? "" : url.substring(5, comma);
        if (comma < 0 || !header.endsWith(";base64") || !header.startsWith("image/")) {
            throw GatewayException.badRequest("An image data URL must be base64-encoded (data:image/<type>;base64,…).");
        }
        String subtype = header.substring("image/".length(), header.length() - ";base64".length());
        String format = subtype.equals("jpg") ? "jpeg" : subtype;
        if (!IMAGE_FORMATS.contains(format)) {
            throw GatewayException.badRequest("Bedrock models take png, jpeg, gif or webp images, not " + subtype + ".");
        }
        ObjectNode block = json.createObjectNode();
        ObjectNode image = block.putObject("image");
        image.put("format", format);
        image.putObject("source").put("bytes", url.substring(comma + 1));
        return block;
    }

    private ArrayNode assistantContent(JsonNode message) {
        ArrayNode blocks = json.createArrayNode();
        text(blocks, ChatPivot.textOf(message.get("content")));
        for (JsonNode call : message.path("tool_calls")) {
            ObjectNode toolUse = blocks.addObject().putObject("toolUse");
            toolUse.put("toolUseId", call.path("id").asText());
            toolUse.put("name", call.path("function").path("name").asText());
            toolUse.set("input", object(call.path("function").path("arguments")));
        }
        return blocks;
    }

    private ArrayNode toolResult(JsonNode message) {
        String id = message.path("tool_call_id").asText("");
        if (id.isEmpty()) {
            throw GatewayException.badRequest("A tool message needs the tool_call_id it answers.");
        }
        ArrayNode blocks = json.createArrayNode();
        ObjectNode result = blocks.addObject().putObject("toolResult");
        result.put("toolUseId", id);
        String text = ChatPivot.textOf(message.get("content"));
        result.putArray("content").addObject().put("text", text.isEmpty() ? " " : text);
        return blocks;
    }

    /** A JSON string holding an object, as that object; anything else wrapped as {@code {"value": …}}. */
    private ObjectNode object(JsonNode arguments) {
        if (arguments.isObject()) {
            return (ObjectNode) arguments;
        }
        String text = arguments.asText("");
        if (text.isBlank()) {
            return json.createObjectNode();
        }
        try {
            JsonNode parsed = json.readTree(text);
            if (parsed.isObject()) {
                return (ObjectNode) parsed;
            }
            ObjectNode wrapped = json.createObjectNode();
            wrapped.set("value", parsed);
            return wrapped;
        } catch (JsonProcessingException notJson) {
            return json.createObjectNode().put("value", text);
        }
    }

    private ObjectNode inferenceConfig(JsonNode chat) {
        ObjectNode config = json.createObjectNode();
        for (String field : List.of("max_completion_tokens", "max_tokens")) {
            if (chat.path(field).canConvertToInt() && chat.get(field).asInt() > 0) {
                config.put("maxTokens", chat.get(field).asInt());
                break;
            }
        }
        if (chat.path("temperature").isNumber()) {
            config.set("temperature", chat.get("temperature"));
        }
        if (chat.path("top_p").isNumber()) {
            config.set("topP", chat.get("top_p"));
        }
        JsonNode stop = chat.get("stop");
        if (stop != null && stop.isTextual()) {
            config.putArray("stopSequences").add(stop.asText());
        } else if (stop != null && stop.isArray() && !stop.isEmpty()) {
            config.set("stopSequences", stop);
        }
        return config;
    }

    private void tools(JsonNode chat, ObjectNode out) {
        JsonNode tools = chat.path("tools");
        if (!tools.isArray() || tools.isEmpty()) {
            return;
        }
        ObjectNode config = out.putObject("toolConfig");
        ArrayNode specs = config.putArray("tools");
        for (JsonNode tool : tools) {
            if (!tool.path("type").asText("function").equals("function")) {
                throw GatewayException.badRequest("Only function tools are supported by Bedrock models.");
            }
            JsonNode function = tool.path("function");
            ObjectNode spec = specs.addObject().putObject("toolSpec");
            spec.put("name", function.path("name").asText());
            if (function.path("description").isTextual() && !function.get("description").asText().isBlank()) {
                spec.put("description", function.get("description").asText());
            }
            JsonNode parameters = function.path("parameters");
            ObjectNode schema = spec.putObject("inputSchema");
            if (parameters.isObject()) {
                schema.set("json", parameters);
            } else {
                schema.putObject("json").put("type", "object").putObject("properties");
            }
        }
        JsonNode choice = chat.get("tool_choice");
        if (choice == null || choice.isNull()) {
            return;
        }
        if (choice.isTextual()) {
            switch (choice.asText()) {
                case "required" -> config.putObject("toolChoice").putObject("any");
                case "auto" -> config.putObject("toolChoice").putObject("auto");
                default -> {
                    // "none": Converse has no such choice; the tools stay declared (a history with tool calls
                    // needs them) and the model is not pushed towards one.
                }
            }
        } else {
            config.putObject("toolChoice").putObject("tool").put("name", choice.path("function").path("name").asText());
        }
    }
}
