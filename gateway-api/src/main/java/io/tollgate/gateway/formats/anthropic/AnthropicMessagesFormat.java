package io.tollgate.gateway.formats.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.errors.ApiShape;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.formats.ClientFormat;
import io.tollgate.gateway.providers.openai.OpenAiAnswers;
import io.tollgate.gateway.formats.ClientStream;
import io.tollgate.gateway.providers.wire.SseEvent;
import org.springframework.stereotype.Component;

import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Anthropic's Messages API on the client side ({@code POST /v1/messages}).
 *
 * <p>Request: system (string or text blocks) → a system message; text and image blocks → OpenAI content
 * parts (base64 source → data: URL, url source → URL); document blocks with a base64 source → file parts;
 * tool_use → assistant tool_calls; tool_result → tool messages (placed before the rest of that user turn);
 * thinking/redacted_thinking blocks are dropped; tools (custom tools with input_schema) → function tools;
 * tool_choice auto/any/tool/none → auto/required/{function}/none, {@code disable_parallel_tool_use} →
 * {@code parallel_tool_calls:false}; stop_sequences → stop; temperature and top_p kept; top_k, metadata,
 * thinking, service_tier dropped. Server tools (web search, bash, …) are refused with a 400.
 */
@Component
public class AnthropicMessagesFormat implements ClientFormat {
    public static final String NAME = "anthropic.messages";
    private static final Set<String> USER_BLOCKS = Set.of("text", "image", "document", "tool_result");
    private static final Set<String> ASSISTANT_BLOCKS = Set.of("text", "tool_use", "thinking", "redacted_thinking");

    private final ObjectMapper json;

    public AnthropicMessagesFormat(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ApiShape errorShape() {
        return ApiShape.ANTHROPIC;
    }

    @Override
    public ObjectNode toChatRequest(JsonNode body) {
        if (!(body instanceof ObjectNode)) {
            throw bad("The request body must be a JSON object.");
        }
        JsonNode model = body.get("model");
        if (model == null || model.isNull()) {
            throw bad("model: Field required");
        }
        if (!model.isTextual() || model.asText().isBlank()) {
            throw bad("model: Input should be a valid string");
        }
        JsonNode maxTokens = body.get("max_tokens");
        if (maxTokens == null || maxTokens.isNull()) {
            throw bad("max_tokens: Field required");
        }
        if (!maxTokens.isIntegralNumber() || !maxTokens.canConvertToInt()) {
            throw bad("max_tokens: Input should be a valid integer");
        }
        if (maxTokens.asInt() < 1) {
            throw bad("max_tokens: Input should be greater than or equal to 1");
        }
        JsonNode messages = body.get("messages");
        if (messages == null || messages.isNull()) {
            throw bad("messages: Field required");
        }
        if (!messages.isArray()) {
            throw bad("messages: Input should be a valid list");
        }
        if (messages.isEmpty()) {
            throw bad("messages: at least one message is required");
        }

        ObjectNode chat = json.createObjectNode();
        chat.put("model", model.asText());
        chat.put("max_tokens", maxTokens.asInt());
        ArrayNode out = chat.putArray("messages");
        JsonNode system = body.get("system");
        if (system != null && !system.isNull()) {
            String text = systemText(system);
            if (!text.isEmpty()) {
                out.addObject().put("role", "system").put("content", text);
            }
        }
        for (int i = 0; i < messages.size(); i++) {
            translateMessage(messages.get(i), "messages." + i, out);
        }
        number(body, "temperature", chat);
        number(body, "top_p", chat);
        JsonNode stops = body.get("stop_sequences");
        if (stops != null && !stops.isNull()) {
            if (!stops.isArray()) {
                throw bad("stop_sequences: Input should be a valid list");
            }
            if (!stops.isEmpty()) {
                chat.set("stop", stops);
            }
        }
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw bad("stream: Input should be a valid boolean");
        }
        chat.put("stream", stream != null && stream.asBoolean(false));
        tools(body, chat);
        return chat;
    }

    private void translateMessage(JsonNode message, String where, ArrayNode out) {
        if (!message.isObject()) {
            throw bad(where + ": Input should be a valid dictionary");
        }
        String role = message.path("role").asText("");
        if (!role.equals("user") && !role.equals("assistant")) {
            throw bad(where + ".role: Input should be 'user' or 'assistant'");
        }
        JsonNode content = message.get("content");
        if (content == null || content.isNull()) {
            throw bad(where + ".content: Field required");
        }
        if (content.isTextual()) {
            out.addObject().put("role", role).put("content", content.asText());
            return;
        }
        if (!content.isArray()) {
            throw bad(where + ".content: Input should be a valid string or a list of content blocks");
        }
        Set<String> allowed = role.equals("user") ? USER_BLOCKS : ASSISTANT_BLOCKS;
        ArrayNode parts = json.createArrayNode();
        ArrayNode toolCalls = json.createArrayNode();
        StringBuilder assistantText = new StringBuilder();
        for (int j = 0; j < content.size(); j++) {
            JsonNode block = content.get(j);
            String blockWhere = where + ".content." + j;
            String type = block.path("type").asText("");
            if (!allowed.contains(type)) {
                throw bad(blockWhere + ".type: '" + type + "' is not a valid " + role + " content block type");
            }
            switch (type) {
                case "text" -> {
                    if (!block.path("text").isTextual()) {
                        throw bad(blockWhere + ".text: Field required");
                    }
                    if (role.equals("user")) {
                        parts.addObject().put("type", "text").put("text", block.get("text").asText());
                    } else {
                        assistantText.append(block.get("text").asText());
                    }
                }
                case "image" -> parts.addObject().put("type", "image_url").putObject("image_url")
                        .put("url", sourceUrl(block.path("source"), blockWhere));
                case "document" -> {
                    JsonNode source = block.path("source");
                    if (source.path("type").asText().equals("text")) {
                        parts.addObject().put("type", "text").put("text", source.path("data").asText());
                    } else {
                        ObjectNode file = parts.addObject().put("type", "file").putObject("file");
                        if (block.path("title").isTextual()) {
                            file.put("filename", block.get("title").asText());
                        }
                        file.put("file_data", sourceUrl(source, blockWhere));
                    }
                }
                case "tool_result" -> {
                    // OpenAI wants the tool answers right after the assistant's tool calls.
                    ObjectNode tool = out.addObject();
                    tool.put("role", "tool");
                    if (!block.path("tool_use_id").isTextual()) {
                        throw bad(blockWhere + ".tool_use_id: Field required");
                    }
                    tool.put("tool_call_id", block.get("tool_use_id").asText());
                    String text = blockText(block.get("content"));
                    if (block.path("is_error").asBoolean(false)) {
                        text = "Error: " + text;
                    }
                    tool.put("content", text);
                }
                case "tool_use" -> {
                    ObjectNode call = toolCalls.addObject();
                    call.put("id", block.path("id").asText());
                    call.put("type", "function");
                    JsonNode input = block.get("input");
                    call.putObject("function").put("name", block.path("name").asText())
                            .put("arguments", input == null || input.isNull() ? "{}" : input.toString());
                }
                default -> { } // thinking, redacted_thinking: the pivot has no place for their signatures
            }
        }
        if (role.equals("user")) {
            if (!parts.isEmpty()) {
                ObjectNode user = out.addObject().put("role", "user");
                if (parts.size() == 1 && parts.get(0).path("type").asText().equals("text")) {
                    user.put("content", parts.get(0).path("text").asText());
                } else {
                    user.set("content", parts);
                }
            }
            return;
        }
        ObjectNode assistant = out.addObject().put("role", "assistant");
        if (assistantText.isEmpty() && !toolCalls.isEmpty()) {
            assistant.putNull("content");
        } else {
            assistant.put("content", assistantText.toString());
        }
        if (!toolCalls.isEmpty()) {
            assistant.set("tool_calls", toolCalls);
        }
    }

    /** An image or document source as a URL: base64 → data: URL, url → the URL. */
    private static String sourceUrl(JsonNode source, String where) {
        switch (source.path("type").asText("")) {
            case "base64" -> {
                if (!source.path("media_type").isTextual() || !source.path("data").isTextual()) {
                    throw bad(where + ".source: media_type and data are required for a base64 source");
                }
                return "data:" + source.get("media_type").asText() + ";base64," + source.get("data").asText();
            }
            case "url" -> {
                if (!source.path("url").isTextual()) {
                    throw bad(where + ".source.url: Field required");
                }
                return source.get("url").asText();
            }
            default -> throw bad(where + ".source.type: Input should be 'base64' or 'url'");
        }
    }

    private static String systemText(JsonNode system) {
        if (system.isTextual()) {
            return system.asText();
        }
        if (!system.isArray()) {
            throw bad("system: Input should be a valid string or a list of text blocks");
        }
        return blockText(system);
    }

    /** A string, or the text blocks of a list joined by blank lines (images inside tool results are dropped). */
    private static String blockText(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        var text = new StringBuilder();
        for (JsonNode block : content) {
            if (block.path("type").asText().equals("text")) {
                if (!text.isEmpty()) {
                    text.append("\n\n");
                }
                text.append(block.path("text").asText());
            }
        }
        return text.toString();
    }

    private static void number(JsonNode body, String field, ObjectNode chat) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return;
        }
        if (!value.isNumber()) {
            throw bad(field + ": Input should be a valid number");
        }
        chat.set(field, value);
    }

    private void tools(JsonNode body, ObjectNode chat) {
        JsonNode tools = body.get("tools");
        boolean haveTools = false;
        if (tools != null && !tools.isNull()) {
            if (!tools.isArray()) {
                throw bad("tools: Input should be a valid list");
            }
            ArrayNode functions = json.createArrayNode();
            for (int i = 0; i < tools.size(); i++) {
                JsonNode tool = tools.get(i);
                String type = tool.path("type").asText("custom");
                if (!type.equals("custom")) {
                    throw bad("tools." + i + ": tool type '" + type + "' is not supported by this gateway");
                }
                if (!tool.path("name").isTextual()) {
                    throw bad("tools." + i + ".name: Field required");
                }
                if (!tool.path("input_schema").isObject()) {
                    throw bad("tools." + i + ".input_schema: Field required");
                }
                ObjectNode function = functions.addObject().put("type", "function").putObject("function");
                function.put("name", tool.get("name").asText());
                if (tool.path("description").isTextual()) {
                    function.put("description", tool.get("description").asText());
                }
                function.set("parameters", tool.get("input_schema"));
            }
            if (!functions.isEmpty()) {
                chat.set("tools", functions);
                haveTools = true;
            }
        }
        JsonNode choice = body.get("tool_choice");
        if (choice == null || choice.isNull()) {
            return;
        }
        String type = choice.path("type").asText("");
        switch (type) {
            case "auto" -> chat.put("tool_choice", "auto");
            case "any" -> chat.put("tool_choice", "required");
            case "none" -> chat.put("tool_choice", "none");
            case "tool" -> {
                if (!choice.path("name").isTextual()) {
                    throw bad("tool_choice.name: Field required");
                }
                ObjectNode named = chat.putObject("tool_choice").put("type", "function");
                named.putObject("function").put("name", choice.get("name").asText());
            }
            default -> throw bad("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'");
        }
        if (!haveTools && !type.equals("none")) {
            chat.remove("tool_choice");
        }
        if (haveTools && choice.path("disable_parallel_tool_use").asBoolean(false)) {
            chat.put("parallel_tool_calls", false);
        }
    }

    @Override
    public JsonNode fromChatCompletion(ObjectNode completion, String model) {
        ObjectNode out = json.createObjectNode();
        out.put("id", messageId(completion.path("id").asText(null)));
        out.put("type", "message");
        out.put("role", "assistant");
        out.put("model", model);
        ArrayNode content = out.putArray("content");
        JsonNode choice = completion.path("choices").path(0);
        JsonNode message = choice.path("message");
        String text = message.path("content").isTextual() ? message.get("content").asText()
                : textParts(message.path("content"));
        if (!text.isEmpty()) {
            content.addObject().put("type", "text").put("text", text);
        }
        for (JsonNode call : message.path("tool_calls")) {
            ObjectNode block = content.addObject();
            block.put("type", "tool_use");
            block.put("id", call.path("id").asText());
            block.put("name", call.path("function").path("name").asText());
            block.set("input", parseArguments(call.path("function").path("arguments")));
        }
        out.put("stop_reason", stopReason(choice.path("finish_reason").asText(null)));
        out.putNull("stop_sequence");
        JsonNode usage = completion.path("usage");
        long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
        long written = usage.path("prompt_tokens_details").path(OpenAiAnswers.CACHE_WRITE_TOKENS).asLong(0);
        ObjectNode anthropicUsage = out.putObject("usage");
        anthropicUsage.put("input_tokens", Math.max(0, usage.path("prompt_tokens").asLong(0) - cached - written));
        anthropicUsage.put("cache_creation_input_tokens", written);
        anthropicUsage.put("cache_read_input_tokens", cached);
        anthropicUsage.put("output_tokens", usage.path("completion_tokens").asLong(0));
        return out;
    }

    private static String textParts(JsonNode parts) {
        var text = new StringBuilder();
        for (JsonNode part : parts) {
            text.append(part.path("text").asText(""));
        }
        return text.toString();
    }

    ObjectNode parseArguments(JsonNode arguments) {
        if (arguments.isObject()) {
            return (ObjectNode) arguments;
        }
        String text = arguments.asText("");
        if (!text.isBlank()) {
            try {
                JsonNode parsed = json.readTree(text);
                if (parsed.isObject()) {
                    return (ObjectNode) parsed;
                }
            } catch (JsonProcessingException ignored) {
                // an unparsable argument string is passed on below
            }
            return json.createObjectNode().put("arguments", text);
        }
        return json.createObjectNode();
    }

    /** OpenAI's finish_reason as Anthropic's stop_reason. */
    static String stopReason(String finishReason) {
        if (finishReason == null) {
            return "end_turn";
        }
        return switch (finishReason) {
            case "length" -> "max_tokens";
            case "tool_calls", "function_call" -> "tool_use";
            case "content_filter" -> "refusal";
            default -> "end_turn";
        };
    }

    /** A message id in Anthropic's style, derived from the completion id when there is one. */
    static String messageId(String completionId) {
        if (completionId == null || completionId.isBlank()) {
            return "msg_" + UUID.randomUUID().toString().replace("-", "");
        }
        if (completionId.startsWith("msg_")) {
            return completionId;
        }
        String bare = completionId.startsWith("chatcmpl-") ? completionId.substring("chatcmpl-".length()) : completionId;
        return "msg_" + bare.replaceAll("[^A-Za-z0-9_]", "");
    }

    @Override
    public ClientStream stream(String model) {
        return new AnthropicMessagesStream(json, model);
    }

    @Override
    public Optional<SseEvent> streamError(String message) {
        return Optional.of(errorEvent("api_error", message));
    }

    /** Anthropic's mid-stream error event, for a stream that broke after it started. */
    public SseEvent errorEvent(String type, String message) {
        ObjectNode data = json.createObjectNode().put("type", "error");
        data.putObject("error").put("type", type).put("message", message);
        return new SseEvent("error", data.toString());
    }

    private static GatewayException bad(String message) {
        return GatewayException.badRequest(message);
    }
}
