package io.tollgate.gateway.formats.aigne;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.providers.ProviderUsage;

/** The pieces both AIGNE chat shapes share: messages, tools, tool choice, response format, usage. */
final class AigneMessages {
    private AigneMessages() {
    }

    /**
     * One AIGNE message as an OpenAI message. {@code framework}: the AIGNE framework shape (role
     * {@code agent}, tool-call arguments as objects, content parts {@code image_url}/{@code url} with
     * {@code url} and {@code file} with base64 {@code data}); otherwise the v2 chat-completions shape (role
     * {@code assistant}, arguments as strings, {@code image_url} parts with {@code imageUrl.url}).
     */
    static ObjectNode toOpenAi(ObjectMapper json, JsonNode message, String where, boolean framework) {
        if (!message.isObject()) {
            throw bad("\"" + where + "\" must be of type object");
        }
        String role = message.path("role").asText("");
        ObjectNode out = json.createObjectNode();
        JsonNode content = message.get("content");
        switch (role) {
            case "system" -> out.put("role", "system").put("content", text(content, where));
            case "user" -> {
                out.put("role", "user");
                if (content == null || content.isNull()) {
                    out.put("content", "");
                } else if (content.isTextual()) {
                    out.put("content", content.asText());
                } else if (content.isArray()) {
                    out.set("content", parts(json, content, where));
                } else {
                    throw bad("\"" + where + ".content\" must be a string or an array");
                }
            }
            case "assistant", "agent" -> {
                out.put("role", "assistant");
                String text = content == null || content.isNull() ? "" : text(content, where);
                JsonNode calls = message.path("toolCalls");
                if (calls.isArray() && !calls.isEmpty()) {
                    if (text.isEmpty()) {
                        out.putNull("content");
                    } else {
                        out.put("content", text);
                    }
                    ArrayNode toolCalls = out.putArray("tool_calls");
                    for (JsonNode call : calls) {
                        if (!call.path("id").isTextual() || !call.path("function").path("name").isTextual()) {
                            throw bad("\"" + where + ".toolCalls\" items need an id and a function name");
                        }
                        JsonNode arguments = call.path("function").path("arguments");
                        ObjectNode converted = toolCalls.addObject();
                        converted.put("id", call.get("id").asText());
                        converted.put("type", "function");
                        converted.putObject("function").put("name", call.path("function").path("name").asText())
                                .put("arguments", arguments.isTextual() ? arguments.asText()
                                        : arguments.isMissingNode() || arguments.isNull() ? "{}" : arguments.toString());
                    }
                } else {
                    out.put("content", text);
                }
            }
            case "tool" -> {
                if (!message.path("toolCallId").isTextual()) {
                    throw bad("\"" + where + ".toolCallId\" is required");
                }
                out.put("role", "tool");
                out.put("tool_call_id", message.get("toolCallId").asText());
                out.put("content", content == null || content.isNull() ? "" :
                        content.isTextual() || content.isArray() ? text(content, where) : content.toString());
            }
            default -> throw bad("\"" + where + ".role\" must be one of [system, user, "
                    + (framework ? "agent" : "assistant") + ", tool]");
        }
        return out;
    }

    private static String text(JsonNode content, String where) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            var text = new StringBuilder();
            for (JsonNode part : content) {
                if (part.path("text").isTextual()) {
                    text.append(part.get("text").asText());
                }
            }
            return text.toString();
        }
        throw bad("\"" + where + ".content\" must be a string");
    }

    private static ArrayNode parts(ObjectMapper json, JsonNode content, String where) {
        ArrayNode parts = json.createArrayNode();
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            String type = part.path("type").asText("");
            switch (type) {
                case "text" -> {
                    if (!part.path("text").isTextual()) {
                        throw bad("\"" + where + ".content[" + i + "].text\" is required");
                    }
                    parts.addObject().put("type", "text").put("text", part.get("text").asText());
                }
                case "image_url", "url" -> {
                    String url = part.path("imageUrl").path("url").asText(
                            part.path("image_url").path("url").asText(part.path("url").asText("")));
                    if (url.isEmpty()) {
                        throw bad("\"" + where + ".content[" + i + "].imageUrl.url\" is required");
                    }
                    parts.addObject().put("type", "image_url").putObject("image_url").put("url", url);
                }
                case "file" -> {
                    String data = part.path("data").asText("");
                    String mimeType = part.path("mimeType").asText("application/octet-stream");
                    if (data.isEmpty()) {
                        throw bad("\"" + where + ".content[" + i + "].data\" is required");
                    }
                    String url = data.startsWith("data:") ? data : "data:" + mimeType + ";base64," + data;
                    if (mimeType.startsWith("image/")) {
                        parts.addObject().put("type", "image_url").putObject("image_url").put("url", url);
                    } else {
                        ObjectNode file = parts.addObject().put("type", "file").putObject("file");
                        file.put("file_data", url);
                        if (part.path("filename").isTextual()) {
                            file.put("filename", part.get("filename").asText());
                        }
                    }
                }
                default -> throw bad("\"" + where + ".content[" + i + "].type\" must be one of [text, image_url]");
            }
        }
        return parts;
    }

    static void number(JsonNode body, String field, double min, double max, ObjectNode chat, String target) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return;
        }
        if (!value.isNumber()) {
            throw bad("\"" + field + "\" must be a number");
        }
        if (value.asDouble() < min || value.asDouble() > max) {
            throw bad("\"" + field + "\" must be between " + fmt(min) + " and " + fmt(max));
        }
        chat.set(target, value);
    }

    private static String fmt(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    /** tools (already OpenAI's shape) and toolChoice → tool_choice. */
    static void tools(ObjectMapper json, JsonNode body, ObjectNode chat) {
        JsonNode tools = body.get("tools");
        if (tools != null && !tools.isNull()) {
            if (!tools.isArray()) {
                throw bad("\"tools\" must be an array");
            }
            if (!tools.isEmpty()) {
                ArrayNode out = chat.putArray("tools");
                for (int i = 0; i < tools.size(); i++) {
                    JsonNode function = tools.get(i).path("function");
                    if (!function.path("name").isTextual()) {
                        throw bad("\"tools[" + i + "].function.name\" is required");
                    }
                    ObjectNode converted = out.addObject().put("type", "function").putObject("function");
                    converted.put("name", function.get("name").asText());
                    if (function.path("description").isTextual()) {
                        converted.put("description", function.get("description").asText());
                    }
                    converted.set("parameters", function.path("parameters").isObject() ? function.get("parameters")
                            : json.createObjectNode().put("type", "object"));
                }
            }
        }
        JsonNode choice = body.get("toolChoice");
        if (choice == null || choice.isNull()) {
            return;
        }
        if (choice.isTextual()) {
            switch (choice.asText()) {
                case "auto", "none", "required" -> chat.put("tool_choice", choice.asText());
                case "router" -> chat.put("tool_choice", "required"); // framework: route to exactly one tool
                default -> throw bad("\"toolChoice\" must be one of [auto, none, required]");
            }
        } else if (choice.path("function").path("name").isTextual()) {
            chat.putObject("tool_choice").put("type", "function").putObject("function")
                    .put("name", choice.path("function").path("name").asText());
        } else {
            throw bad("\"toolChoice\" must be one of [auto, none, required] or a function");
        }
        if (choice.isTextual() && choice.asText().equals("router")) {
            chat.put("parallel_tool_calls", false);
        }
    }

    /** responseFormat {type, jsonSchema{name, description, schema, strict}} → response_format. */
    static void responseFormat(ObjectMapper json, JsonNode format, ObjectNode chat) {
        if (format == null || format.isNull()) {
            return;
        }
        String type = format.path("type").asText("text");
        switch (type) {
            case "text" -> { }
            case "json_object" -> chat.putObject("response_format").put("type", "json_object");
            case "json_schema" -> {
                JsonNode schema = format.path("jsonSchema");
                if (!schema.path("name").isTextual() || !schema.path("schema").isObject()) {
                    throw bad("\"responseFormat.jsonSchema\" needs a name and a schema");
                }
                ObjectNode out = chat.putObject("response_format").put("type", "json_schema").putObject("json_schema");
                out.put("name", schema.get("name").asText());
                if (schema.path("description").isTextual()) {
                    out.put("description", schema.get("description").asText());
                }
                out.set("schema", schema.get("schema"));
                if (schema.path("strict").isBoolean()) {
                    out.put("strict", schema.get("strict").asBoolean());
                }
            }
            default -> throw bad("\"responseFormat.type\" must be one of [text, json_object, json_schema]");
        }
    }

    static ProviderUsage usage(JsonNode openAiUsage) {
        return new ProviderUsage(openAiUsage.path("prompt_tokens").asLong(0),
                openAiUsage.path("completion_tokens").asLong(0),
                openAiUsage.path("prompt_tokens_details").path("cached_tokens").asLong(0),
                openAiUsage.path("completion_tokens_details").path("reasoning_tokens").asLong(0));
    }

    static GatewayException bad(String message) {
        return GatewayException.badRequest(message);
    }
}
