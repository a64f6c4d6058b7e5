package io.tollgate.gateway.providers.gemini;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.providers.ChatPivot;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI chat request → Gemini {@code GenerateContentRequest}.
 *
 * <ul>
 *   <li>system/developer messages → {@code systemInstruction}; user → role {@code user}, assistant → role
 *       {@code model}; consecutive contents of one role are merged (parallel function responses must share
 *       one content);</li>
 *   <li>text parts → {@code text}; {@code image_url} data: URLs → {@code inlineData}; other URLs →
 *       {@code fileData} with the MIME type guessed from the file extension (image/jpeg otherwise); file parts
 *       with data: URLs → {@code inlineData};</li>
 *   <li>assistant tool_calls → {@code functionCall} parts; the first one of each model turn carries Google's
 *       documented placeholder thought signature ({@value #PLACEHOLDER_SIGNATURE}), since a history translated
 *       from another format has no real one and Gemini 3 models refuse function calls without it;</li>
 *   <li>tool messages → {@code functionResponse} parts in a user content; the function name is looked up from
 *       the earlier assistant tool call with that id; the response is the content parsed as a JSON object, or
 *       {@code {"result": content}};</li>
 *   <li>generationConfig: maxOutputTokens (max_completion_tokens or max_tokens), temperature, topP,
 *       stopSequences, seed, candidateCount (n), presencePenalty, frequencyPenalty; response_format json_object →
 *       responseMimeType application/json, json_schema → also responseSchema (the schema reduced to the OpenAPI
 *       subset Gemini accepts); reasoning_effort → thinkingConfig.thinkingBudget (minimal/none 0, low 1024,
 *       medium 8192, high 24576);</li>
 *   <li>tools → one {@code functionDeclarations} tool (parameters reduced the same way); tool_choice
 *       auto/none/required/{function} → toolConfig.functionCallingConfig mode AUTO/NONE/ANY (+ allowedFunctionNames).</li>
 * </ul>
 */
final class GeminiRequests {
    public static final String PLACEHOLDER_SIGNATURE = "skip_thought_signature_validator";
    /** The schema keywords of Gemini's OpenAPI-subset Schema object. */
    private static final Set<String> SCHEMA_KEYS = Set.of("type", "format", "title", "description", "nullable", "enum",
            "maxItems", "minItems", "properties", "required", "minProperties", "maxProperties", "minLength",
            "maxLength", "pattern", "example", "anyOf", "propertyOrdering", "default", "items", "minimum", "maximum");

    private final ObjectMapper json;

    public GeminiRequests(ObjectMapper json) {
        this.json = json;
    }

    public ObjectNode toGenerateContentRequest(ObjectNode chat) {
        ObjectNode out = json.createObjectNode();
        ArrayNode contents = out.putArray("contents");
        List<String> system = new ArrayList<>();
        Map<String, String> functionNames = new HashMap<>();
        for (JsonNode message : chat.path("messages")) {
            String role = message.path("role").asText();
            switch (role) {
                case "system", "developer" -> {
                    String text = ChatPivot.textOf(message.get("content"));
                    if (!text.isEmpty()) {
                        system.add(text);
                    }
                }
                case "user" -> append(contents, "user", userParts(message.get("content")));
                case "assistant" -> {
                    ArrayNode parts = assistantParts(message, functionNames);
                    if (!parts.isEmpty()) {
                        append(contents, "model", parts);
                    }
                }
                case "tool", "function" -> append(contents, "user", functionResponse(message, functionNames));
                default -> throw GatewayException.badRequest("Unsupported message role '" + role + "'.");
            }
        }
        if (contents.isEmpty()) {
            throw GatewayException.badRequest("At least one user or assistant message is required.");
        }
        if (!system.isEmpty()) {
            out.putObject("systemInstruction").putArray("parts").addObject().put("text", String.join("\n\n", system));
        }
        tools(chat, out);
        ObjectNode config = generationConfig(chat);
        if (!config.isEmpty()) {
            out.set("generationConfig", config);
        }
        return out;
    }

    private ObjectNode generationConfig(JsonNode chat) {
        ObjectNode config = json.createObjectNode();
        for (String field : List.of("max_completion_tokens", "max_tokens")) {
            if (chat.path(field).canConvertToInt() && chat.get(field).asInt() > 0) {
                config.put("maxOutputTokens", chat.get(field).asInt());
                break;
            }
        }
        copy(chat, "temperature", config, "temperature");
        copy(chat, "top_p", config, "topP");
        copy(chat, "seed", config, "seed");
        copy(chat, "presence_penalty", config, "presencePenalty");
        copy(chat, "frequency_penalty", config, "frequencyPenalty");
        if (chat.path("n").asInt(1) > 1) {
            config.put("candidateCount", chat.get("n").asInt());
        }
        JsonNode stop = chat.get("stop");
        if (stop != null && stop.isTextual()) {
            config.putArray("stopSequences").add(stop.asText());
        } else if (stop != null && stop.isArray() && !stop.isEmpty()) {
            config.set("stopSequences", stop);
        }
        JsonNode format = chat.path("response_format");
        switch (format.path("type").asText("")) {
            case "json_object" -> config.put("responseMimeType", "application/json");
            case "json_schema" -> {
                config.put("responseMimeType", "application/json");
                JsonNode schema = format.path("json_schema").path("schema");
                if (schema.isObject()) {
                    config.set("responseSchema", schema(schema));
                }
            }
            default -> { }
        }
        String effort = chat.path("reasoning_effort").asText("");
        Integer budget = switch (effort) {
            case "none", "minimal" -> 0;
            case "low" -> 1024;
            case "medium" -> 8192;
            case "high" -> 24576;
            default -> null;
        };
        if (budget != null) {
            config.putObject("thinkingConfig").put("thinkingBudget", budget);
        }
        return config;
    }

    private static void copy(JsonNode from, String field, ObjectNode to, String name) {
        if (from.path(field).isNumber()) {
            to.set(name, from.get(field));
        }
    }

    /**
     * A JSON Schema reduced to Gemini's OpenAPI subset: unknown keywords dropped, {@code type: [t, "null"]}
     * turned into {@code type: t, nullable: true}, {@code const} into a one-value enum.
     */
    public ObjectNode schema(JsonNode schema) {
        ObjectNode out = json.createObjectNode();
        schema.properties().forEach(entry -> {
            String key = entry.getKey();
            JsonNode value = entry.getValue();
            switch (key) {
                case "type" -> {
                    if (value.isArray()) {
                        for (JsonNode type : value) {
                            if (type.asText().equals("null")) {
                                out.put("nullable", true);
                            } else if (!out.has("type")) {
                                out.put("type", type.asText());
                            }
                        }
                    } else {
                        out.set("type", value);
                    }
                }
                case "const" -> out.putArray("enum").add(value);
                case "properties" -> {
                    ObjectNode properties = out.putObject("properties");
                    value.properties().forEach(p -> properties.set(p.getKey(), schema(p.getValue())));
                }
                case "items" -> out.set("items", value.isObject() ? schema(value) : value);
                case "anyOf" -> {
                    ArrayNode options = out.putArray("anyOf");
                    value.forEach(option -> options.add(schema(option)));
                }
                default -> {
                    if (SCHEMA_KEYS.contains(key)) {
                        out.set(key, value);
                    }
                }
            }
        });
        return out;
    }

    private void append(ArrayNode contents, String role, ArrayNode parts) {
        if (!contents.isEmpty()) {
            ObjectNode last = (ObjectNode) contents.get(contents.size() - 1);
            if (last.path("role").asText().equals(role)) {
                ((ArrayNode) last.get("parts")).addAll(parts);
                return;
            }
        }
        ObjectNode content = contents.addObject();
        content.put("role", role);
        content.set("parts", parts);
    }

    private ArrayNode userParts(JsonNode content) {
        ArrayNode parts = json.createArrayNode();
        if (content == null || content.isNull()) {
            throw GatewayException.badRequest("A user message needs content.");
        }
        if (content.isTextual()) {
            parts.addObject().put("text", content.asText());
            return parts;
        }
        if (!content.isArray()) {
            throw GatewayException.badRequest("Message content must be a string or an array of content parts.");
        }
        for (JsonNode part : content) {
            String type = part.path("type").asText();
            switch (type) {
                case "text" -> parts.addObject().put("text", part.path("text").asText());
                case "image_url" -> {
                    JsonNode image = part.path("image_url");
                    parts.add(media(image.isTextual() ? image.asText() : image.path("url").asText(), "image_url"));
                }
                case "file" -> parts.add(media(part.path("file").path("file_data").asText(""), "file"));
                case "input_audio" -> {
                    JsonNode audio = part.path("input_audio");
                    ObjectNode inline = parts.addObject().putObject("inlineData");
                    inline.put("mimeType", "audio/" + audio.path("format").asText("wav"));
                    inline.put("data", audio.path("data").asText());
                }
                default -> throw GatewayException.badRequest(
                        "Content part type '" + type + "' is not supported by Gemini models.");
            }
        }
        return parts;
    }

    private ObjectNode media(String url, String what) {
        ObjectNode part = json.createObjectNode();
        if (url.startsWith("data:")) {
            int comma = url.indexOf(',');
            String header = comma < 0 ? "" : url.substring(5, comma);
            if (comma < 0 || !header.endsWith(";base64")) {
                throw GatewayException.badRequest("An " + what + " data URL must be base64-encoded (data:<type>;base64,…).");
            }
            ObjectNode inline = part.putObject("inlineData");
            inline.put("mimeType", header.substring(0, header.length() - ";base64".length()));
            inline.put("data", url.substring(comma + 1));
        } else if (url.startsWith("http://") || url.startsWith("https://")) {
            ObjectNode file = part.putObject("fileData");
            file.put("mimeType", guessMimeType(url));
            file.put("fileUri", url);
        } else {
            throw GatewayException.badRequest("An " + what + " must be an http(s) URL or a base64 data URL.");
        }
        return part;
    }

    static String guessMimeType(String url) {
        String path = url.replaceAll("[?#].*$", "").toLowerCase();
        if (path.endsWith(".png")) {
            return "image/png";
        }
        if (path.endsWith(".webp")) {
            return "image/webp";
        }
        if (path.endsWith(".gif")) {
            return "image/gif";
        }
        if (path.endsWith(".heic")) {
            return "image/heic";
        }
        if (path.endsWith(".pdf")) {
            return "application/pdf";
        }
        return "image/jpeg";
    }

    private ArrayNode assistantParts(JsonNode message, Map<String, String> functionNames) {
        ArrayNode parts = json.createArrayNode();
        String text = ChatPivot.textOf(message.get("content"));
        if (!text.isEmpty()) {
            parts.addObject().put("text", text);
        }
        boolean first = true;
        for (JsonNode call : message.path("tool_calls")) {
            String name = call.path("function").path("name").asText();
            functionNames.put(call.path("id").asText(), name);
            ObjectNode part = parts.addObject();
            ObjectNode functionCall = part.putObject("functionCall");
            functionCall.put("name", name);
            functionCall.set("args", object(call.path("function").path("arguments"), "arguments"));
            if (first) {
                part.put("thoughtSignature", PLACEHOLDER_SIGNATURE);
                first = false;
            }
        }
        return parts;
    }

    private ArrayNode functionResponse(JsonNode message, Map<String, String> functionNames) {
        String id = message.path("tool_call_id").asText("");
        String name = functionNames.get(id);
        if (name == null) {
            name = message.path("name").asText(null);
        }
        if (name == null) {
            throw GatewayException.badRequest("The tool message with tool_call_id '" + id
                    + "' does not answer any earlier assistant tool call.");
        }
        ArrayNode parts = json.createArrayNode();
        ObjectNode response = parts.addObject().putObject("functionResponse");
        response.put("name", name);
        String result = ChatPivot.textOf(message.get("content"));
        response.set("response", object(json.getNodeFactory().textNode(result), "result"));
        return parts;
    }

    /** A JSON string holding an object, as that object; anything else as {@code {key: value}}. */
    private ObjectNode object(JsonNode value, String key) {
        if (value.isObject()) {
            return (ObjectNode) value;
        }
        String text = value.asText("");
        if (text.isBlank()) {
            return json.createObjectNode();
        }
        try {
            JsonNode parsed = json.readTree(text);
            if (parsed.isObject()) {
                return (ObjectNode) parsed;
            }
            ObjectNode wrapped = json.createObjectNode();
            wrapped.set(key, parsed);
            return wrapped;
        } catch (JsonProcessingException notJson) {
            return json.createObjectNode().put(key, text);
        }
    }

    private void tools(JsonNode chat, ObjectNode out) {
        JsonNode tools = chat.path("tools");
        if (tools.isArray() && !tools.isEmpty()) {
            ArrayNode declarations = out.putArray("tools").addObject().putArray("functionDeclarations");
            for (JsonNode tool : tools) {
                if (!tool.path("type").asText("function").equals("function")) {
                    throw GatewayException.badRequest("Only function tools are supported by Gemini models.");
                }
                JsonNode function = tool.path("function");
                ObjectNode declaration = declarations.addObject();
                declaration.put("name", function.path("name").asText());
                if (function.path("description").isTextual()) {
                    declaration.put("description", function.get("description").asText());
                }
                JsonNode parameters = function.path("parameters");
                if (parameters.isObject() && !parameters.path("properties").isEmpty()) {
                    declaration.set("parameters", schema(parameters));
                }
            }
        }
        JsonNode choice = chat.get("tool_choice");
        if (choice == null || choice.isNull() || !out.has("tools")) {
            return;
        }
        ObjectNode config = json.createObjectNode();
        if (choice.isTextual()) {
            config.put("mode", switch (choice.asText()) {
                case "none" -> "NONE";
                case "required" -> "ANY";
                default -> "AUTO";
            });
        } else {
            config.put("mode", "ANY");
            config.putArray("allowedFunctionNames").add(choice.path("function").path("name").asText());
        }
        out.putObject("toolConfig").set("functionCallingConfig", config);
    }
}
