package io.tollgate.gateway.providers.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.providers.ChatPivot;

import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI chat request → Anthropic Messages request.
 *
 * <ul>
 *   <li>system and developer messages → the top-level {@code system} string (joined by blank lines);</li>
 *   <li>user/assistant content strings stay strings, content parts become blocks: {@code text} → text,
 *       {@code image_url} with a {@code data:} URL → base64 image source, any other URL → url source;</li>
 *   <li>assistant {@code tool_calls} → {@code tool_use} blocks (arguments parsed into {@code input});</li>
 *   <li>{@code tool} messages → {@code tool_result} blocks in a user message; consecutive messages of one
 *       role are merged into one message, as Anthropic wants alternating turns;</li>
 *   <li>tools → {@code input_schema} tools; tool_choice auto/none/required/{function} → auto/none/any/tool;
 *       {@code parallel_tool_calls:false} → {@code disable_parallel_tool_use};</li>
 *   <li>{@code max_completion_tokens} or {@code max_tokens} → {@code max_tokens} (default 4096, Anthropic
 *       requires it); temperature (capped at Anthropic's maximum 1.0), top_p, stop → stop_sequences,
 *       stream, user → metadata.user_id;</li>
 *   <li>{@code response_format}: Anthropic has no JSON mode, so json_object and json_schema become an
 *       instruction appended to the system prompt (the schema included verbatim). Best effort: the answer
 *       is not validated against the schema;</li>
 *   <li>dropped: seed, frequency/presence penalties, logprobs, logit_bias, stream_options (Anthropic always
 *       reports usage), reasoning_effort; {@code n > 1} is refused with a 400.</li>
 * </ul>
 */
final class AnthropicRequests {
    public static final int DEFAULT_MAX_TOKENS = 4096;

    private final ObjectMapper json;

    public AnthropicRequests(ObjectMapper json) {
        this.json = json;
    }

    public ObjectNode toMessagesRequest(ObjectNode chat) {
        ObjectNode out = json.createObjectNode();
        out.set("model", chat.get("model"));
        out.put("max_tokens", maxTokens(chat));
        if (chat.path("n").asInt(1) > 1) {
            throw GatewayException.badRequest("n greater than 1 is not supported by Anthropic models.");
        }
        List<String> system = new ArrayList<>();
        ArrayNode messages = out.putArray("messages");
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
                case "assistant" -> {
                    JsonNode content = assistantContent(message);
                    if (content != null) {
                        append(messages, "assistant", content);
                    }
                }
                case "tool", "function" -> append(messages, "user", toolResult(message));
                default -> throw GatewayException.badRequest("Unsupported message role '" + role + "'.");
            }
        }
        String formatInstruction = responseFormatInstruction(chat.path("response_format"));
        if (formatInstruction != null) {
            system.add(formatInstruction);
        }
        if (!system.isEmpty()) {
            out.put("system", String.join("\n\n", system));
        }
        if (messages.isEmpty()) {
            throw GatewayException.badRequest("At least one user or assistant message is required.");
        }
        copyNumber(chat, "temperature", out, 1.0);
        copyNumber(chat, "top_p", out, null);
        JsonNode stop = chat.get("stop");
        if (stop != null && stop.isTextual()) {
            out.putArray("stop_sequences").add(stop.asText());
        } else if (stop != null && stop.isArray() && !stop.isEmpty()) {
            out.set("stop_sequences", stop);
        }
        if (chat.path("stream").asBoolean(false)) {
            out.put("stream", true);
        }
        if (chat.path("user").isTextual()) {
            out.putObject("metadata").put("user_id", chat.get("user").asText());
        }
        tools(chat, out);
        return out;
    }

    static int maxTokens(JsonNode chat) {
        for (String field : List.of("max_completion_tokens", "max_tokens")) {
            JsonNode value = chat.get(field);
            if (value != null && value.canConvertToInt() && value.asInt() > 0) {
                return value.asInt();
            }
        }
        return DEFAULT_MAX_TOKENS;
    }

    private static void copyNumber(JsonNode from, String field, ObjectNode to, Double max) {
        JsonNode value = from.get(field);
        if (value != null && value.isNumber()) {
            if (max != null && value.asDouble() > max) {
                to.put(field, max);
            } else {
                to.set(field, value);
            }
        }
    }

    /** Appends a message, merging it into the previous one when the role repeats. */
    private void append(ArrayNode messages, String role, JsonNode content) {
        if (!messages.isEmpty()) {
            ObjectNode last = (ObjectNode) messages.get(messages.size() - 1);
            if (last.path("role").asText().equals(role)) {
                ArrayNode merged = asBlocks(last.get("content"));
                merged.addAll(asBlocks(content));
                last.set("content", merged);
                return;
            }
        }
        ObjectNode message = messages.addObject();
        message.put("role", role);
        message.set("content", content);
    }

    private ArrayNode asBlocks(JsonNode content) {
        if (content.isArray()) {
            return ((ArrayNode) content).deepCopy();
        }
        ArrayNode blocks = json.createArrayNode();
        blocks.addObject().put("type", "text").put("text", content.asText());
        return blocks;
    }

    private JsonNode userContent(JsonNode content) {
        if (content == null || content.isNull()) {
            throw GatewayException.badRequest("A user message needs content.");
        }
        if (content.isTextual()) {
            return content;
        }
        if (!content.isArray()) {
            throw GatewayException.badRequest("Message content must be a string or an array of content parts.");
        }
        ArrayNode blocks = json.createArrayNode();
        for (JsonNode part : content) {
            String type = part.path("type").asText();
            switch (type) {
                case "text" -> blocks.addObject().put("type", "text").put("text", part.path("text").asText());
                case "image_url" -> blocks.add(imageBlock(part.path("image_url")));
                case "file" -> blocks.add(documentBlock(part.path("file")));
                default -> throw GatewayException.badRequest(
                        "Content part type '" + type + "' is not supported by Anthropic models.");
            }
        }
        return blocks;
    }

    /** An image part: a data: URL becomes a base64 source, anything else a url source. */
    ObjectNode imageBlock(JsonNode imageUrl) {
        String url = imageUrl.isTextual() ? imageUrl.asText() : imageUrl.path("url").asText();
        ObjectNode block = json.createObjectNode().put("type", "image");
        block.set("source", source(url, "image_url"));
        return block;
    }

    private ObjectNode documentBlock(JsonNode file) {
        String data = file.path("file_data").asText("");
        if (!data.startsWith("data:")) {
            throw GatewayException.badRequest("Only inline file parts (file_data as a data: URL) are supported by Anthropic models.");
        }
        ObjectNode block = json.createObjectNode().put("type", "document");
        block.set("source", source(data, "file"));
        return block;
    }

    private ObjectNode source(String url, String what) {
        ObjectNode source = json.createObjectNode();
        if (url.startsWith("data:")) {
            int comma = url.indexOf(',');
            String header = comma < 0 ? "" : url.substring(5, comma);
            if (comma < 0 || !header.endsWith(";base64")) {
                throw GatewayException.badRequest("An " + what + " data URL must be base64-encoded (data:<type>;base64,…).");
            }
            source.put("type", "base64");
            source.put("media_type", header.substring(0, header.length() - ";base64".length()));
            source.put("data", url.substring(comma + 1));
        } else if (url.startsWith("http://") || url.startsWith("https://")) {
            source.put("type", "url");
            source.put("url", url);
        } else {
            throw GatewayException.badRequest("An " + what + " must be an http(s) URL or a base64 data URL.");
        }
        return source;
    }

    /** The assistant's blocks, or null for an empty assistant message (Anthropic refuses empty content). */
    private JsonNode assistantContent(JsonNode message) {
        JsonNode content = message.get("content");
        JsonNode toolCalls = message.path("tool_calls");
        if (!toolCalls.isArray() || toolCalls.isEmpty()) {
            String text = ChatPivot.textOf(content);
            return text.isEmpty() ? null : json.getNodeFactory().textNode(text);
        }
        ArrayNode blocks = json.createArrayNode();
        String text = ChatPivot.textOf(content);
        if (!text.isEmpty()) {
            blocks.addObject().put("type", "text").put("text", text);
        }
        for (JsonNode call : toolCalls) {
            ObjectNode block = blocks.addObject();
            block.put("type", "tool_use");
            block.put("id", call.path("id").asText());
            block.put("name", call.path("function").path("name").asText());
            block.set("input", arguments(call.path("function").path("arguments")));
        }
        return blocks;
    }

    /** Tool-call arguments (a JSON string in OpenAI's shape) as the object Anthropic wants. */
    ObjectNode arguments(JsonNode arguments) {
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
        } catch (JsonProcessingException ignored) {
            // fall through: keep what the model wrote
        }
        return json.createObjectNode().put("arguments", text);
    }

    private ArrayNode toolResult(JsonNode message) {
        ArrayNode blocks = json.createArrayNode();
        ObjectNode block = blocks.addObject();
        block.put("type", "tool_result");
        String id = message.path("tool_call_id").asText(message.path("name").asText(""));
        if (id.isEmpty()) {
            throw GatewayException.badRequest("A tool message needs a tool_call_id.");
        }
        block.put("tool_use_id", id);
        block.put("content", ChatPivot.textOf(message.get("content")));
        return blocks;
    }

    private String responseFormatInstruction(JsonNode format) {
        String type = format.path("type").asText("");
        if (type.equals("json_object")) {
            return "Respond only with a single valid JSON object, without any text before or after it.";
        }
        if (type.equals("json_schema")) {
            JsonNode schema = format.path("json_schema").path("schema");
            return "Respond only with a single valid JSON value, without any text before or after it, that "
                    + "conforms to this JSON Schema:\n" + schema;
        }
        return null;
    }

    private void tools(JsonNode chat, ObjectNode out) {
        JsonNode tools = chat.path("tools");
        if (tools.isArray() && !tools.isEmpty()) {
            ArrayNode anthropicTools = out.putArray("tools");
            for (JsonNode tool : tools) {
                if (!tool.path("type").asText("function").equals("function")) {
                    throw GatewayException.badRequest("Only function tools are supported by Anthropic models.");
                }
                JsonNode function = tool.path("function");
                ObjectNode converted = anthropicTools.addObject();
                converted.put("name", function.path("name").asText());
                if (function.path("description").isTextual()) {
                    converted.put("description", function.get("description").asText());
                }
                JsonNode parameters = function.get("parameters");
                if (parameters != null && parameters.isObject()) {
                    converted.set("input_schema", parameters);
                } else {
                    converted.putObject("input_schema").put("type", "object").putObject("properties");
                }
            }
        }
        JsonNode choice = chat.get("tool_choice");
        ObjectNode anthropicChoice = null;
        if (choice != null && choice.isTextual()) {
            anthropicChoice = json.createObjectNode().put("type", switch (choice.asText()) {
                case "none" -> "none";
                case "required" -> "any";
                default -> "auto";
            });
        } else if (choice != null && choice.isObject()) {
            anthropicChoice = json.createObjectNode().put("type", "tool")
                    .put("name", choice.path("function").path("name").asText());
        }
        if (chat.path("parallel_tool_calls").isBoolean() && !chat.get("parallel_tool_calls").asBoolean()
                && out.has("tools")) {
            if (anthropicChoice == null) {
                anthropicChoice = json.createObjectNode().put("type", "auto");
            }
            if (!anthropicChoice.path("type").asText().equals("none")) {
                anthropicChoice.put("disable_parallel_tool_use", true);
            }
        }
        if (anthropicChoice != null && out.has("tools")) {
            out.set("tool_choice", anthropicChoice);
        }
    }
}
