package io.tollgate.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/** Anthropic's Messages API, as documented in the Anthropic API reference, JSON and streamed. */
final class AnthropicApi extends ProviderApi {

    static final Errors ERRORS = new Errors();

    AnthropicApi(FailureInjector failures) {
        super(failures);
    }

    @Override
    ProviderErrors errors() {
        return ERRORS;
    }

    /** Token counting: the input tokens a Messages request with this body would report, and nothing else. */
    void countTokens(ProviderExchange exchange) throws IOException, InterruptedException {
        requireApiKey(exchange, exchange.header("x-api-key"));
        ObjectNode request = exchange.readJsonObject();
        requireModel(request);
        JsonNode messages = request.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ERRORS.badRequest("messages: Field required");
        }
        exchange.sendJson(200, Json.object().put("input_tokens", inputTokens(request, messages)));
    }

    void messages(ProviderExchange exchange) throws IOException, InterruptedException {
        requireApiKey(exchange, exchange.header("x-api-key"));
        String version = exchange.header("anthropic-version");
        if (version == null || version.isBlank()) {
            throw ERRORS.badRequest("anthropic-version: header is required");
        }
        ObjectNode request = exchange.readJsonObject();
        String model = requireModel(request);
        int maxTokens = requireMaxTokens(request);
        JsonNode messages = request.get("messages");
        if (messages == null || messages.isNull()) {
            throw ERRORS.badRequest("messages: Field required");
        }
        if (!messages.isArray()) {
            throw ERRORS.badRequest("messages: Input should be a valid list");
        }
        if (messages.isEmpty()) {
            throw ERRORS.badRequest("messages: at least one message is required");
        }
        int inputTokens = inputTokens(request, messages);
        boolean stream = request.path("stream").asBoolean(false);

        if (heldByInjectedFailure(exchange, model)) {
            return;
        }
        String id = Ids.anthropicMessage();
        ToolCall toolCall = toolCall(request, messages);
        if (toolCall != null) {
            if (stream) {
                streamToolUse(exchange, id, model, inputTokens, toolCall);
                return;
            }
            ObjectNode response = messageHead(id, model);
            response.putArray("content").add(toolUseBlock(toolCall, toolCall.arguments()));
            response.put("stop_reason", "tool_use");
            response.putNull("stop_sequence");
            response.set("usage", usage(inputTokens, toolCall.outputTokens()));
            exchange.sendJson(200, response);
            return;
        }
        DeterministicReply reply = DeterministicReply.generate(exchange.config().replyWords(), OptionalInt.of(maxTokens));
        String stopReason = reply.truncated() ? "max_tokens" : "end_turn";
        if (stream) {
            streamMessage(exchange, id, model, inputTokens, reply, stopReason);
            return;
        }

        ObjectNode response = messageHead(id, model);
        ObjectNode textBlock = response.putArray("content").addObject();
        textBlock.put("type", "text");
        textBlock.put("text", reply.text());
        response.put("stop_reason", stopReason);
        response.putNull("stop_sequence");
        response.set("usage", usage(inputTokens, reply.outputTokens()));
        exchange.sendJson(200, response);
    }

    /**
     * The documented event sequence: message_start, content_block_start, ping, one content_block_delta
     * per word, content_block_stop, message_delta (stop reason and final output tokens), message_stop.
     */
    private static void streamMessage(ProviderExchange exchange, String id, String model, int inputTokens,
                                      DeterministicReply reply, String stopReason)
            throws IOException, InterruptedException {
        ProviderExchange.ChunkedBody body = startStream(exchange, id, model, inputTokens);

        ObjectNode blockStart = event("content_block_start");
        blockStart.put("index", 0);
        ObjectNode emptyTextBlock = blockStart.putObject("content_block");
        emptyTextBlock.put("type", "text");
        emptyTextBlock.put("text", "");
        body.write(serverSentEvent(blockStart));

        body.write(serverSentEvent(event("ping")));

        for (String piece : reply.streamPieces()) {
            ObjectNode blockDelta = event("content_block_delta");
            blockDelta.put("index", 0);
            ObjectNode delta = blockDelta.putObject("delta");
            delta.put("type", "text_delta");
            delta.put("text", piece);
            body.write(serverSentEvent(blockDelta));
        }

        closeStream(body, stopReason, reply.outputTokens());
    }

    /** Opens the event stream with message_start. */
    private static ProviderExchange.ChunkedBody startStream(ProviderExchange exchange, String id, String model,
                                                            int inputTokens) throws IOException, InterruptedException {
        ProviderExchange.ChunkedBody body = exchange.startStream("text/event-stream; charset=utf-8");
        ObjectNode message = messageHead(id, model);
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        // Real streams report one output token up front; message_delta carries the final count.
        message.set("usage", usage(inputTokens, 1));
        ObjectNode messageStart = event("message_start");
        messageStart.set("message", message);
        body.write(serverSentEvent(messageStart));
        return body;
    }

    /** content_block_stop, message_delta (stop reason and final output tokens), message_stop. */
    private static void closeStream(ProviderExchange.ChunkedBody body, String stopReason, int outputTokens)
            throws IOException, InterruptedException {
        ObjectNode blockStop = event("content_block_stop");
        blockStop.put("index", 0);
        body.write(serverSentEvent(blockStop));

        ObjectNode messageDelta = event("message_delta");
        ObjectNode delta = messageDelta.putObject("delta");
        delta.put("stop_reason", stopReason);
        delta.putNull("stop_sequence");
        messageDelta.putObject("usage").put("output_tokens", outputTokens);
        body.write(serverSentEvent(messageDelta));

        body.write(serverSentEvent(event("message_stop")));
    }

    private static int inputTokens(ObjectNode request, JsonNode messages) {
        List<String> texts = new ArrayList<>();
        collectText(request.get("system"), texts);
        for (JsonNode message : messages) {
            collectText(message.get("content"), texts);
        }
        return TokenCount.inputTokens(texts);
    }

    /**
     * The call the request's tools and tool_choice ({"type": "auto" | "any" | "tool" | "none"}) ask for;
     * null for a text reply. A last user turn holding a tool_result has had its call answered.
     */
    private static ToolCall toolCall(ObjectNode request, JsonNode messages) {
        JsonNode tools = request.get("tools");
        if (tools == null || tools.isNull()) {
            return null;
        }
        if (!tools.isArray()) {
            throw ERRORS.badRequest("tools: Input should be a valid list");
        }
        Map<String, JsonNode> schemas = new java.util.LinkedHashMap<>();
        for (JsonNode tool : tools) {
            if (!tool.path("name").isTextual()) {
                throw ERRORS.badRequest("tools.0.name: Field required");
            }
            schemas.put(tool.get("name").asText(), tool.get("input_schema"));
        }
        JsonNode choice = request.path("tool_choice");
        ToolCall.Choice kind = switch (choice.path("type").asText("auto")) {
            case "none" -> ToolCall.Choice.NONE;
            case "any" -> ToolCall.Choice.REQUIRED;
            case "tool" -> ToolCall.Choice.NAMED;
            default -> ToolCall.Choice.AUTO;
        };
        boolean answered = false;
        for (JsonNode block : messages.get(messages.size() - 1).path("content")) {
            answered |= "tool_result".equals(block.path("type").asText());
        }
        return ToolCall.choose(kind, choice.path("name").asText(null), schemas, answered);
    }

    private static ObjectNode toolUseBlock(ToolCall toolCall, ObjectNode input) {
        ObjectNode block = Json.object();
        block.put("type", "tool_use");
        block.put("id", Ids.anthropicToolUse());
        block.put("name", toolCall.name());
        block.set("input", input);
        return block;
    }

    /** A tool_use block opened with empty input, its input as two input_json_delta pieces, then closed. */
    private static void streamToolUse(ProviderExchange exchange, String id, String model, int inputTokens,
                                      ToolCall toolCall) throws IOException, InterruptedException {
        ProviderExchange.ChunkedBody body = startStream(exchange, id, model, inputTokens);

        ObjectNode blockStart = event("content_block_start");
        blockStart.put("index", 0);
        blockStart.set("content_block", toolUseBlock(toolCall, Json.object()));
        body.write(serverSentEvent(blockStart));
        String input = toolCall.argumentsJson();
        int half = input.length() / 2;
        for (String piece : List.of(input.substring(0, half), input.substring(half))) {
            ObjectNode blockDelta = event("content_block_delta");
            blockDelta.put("index", 0);
            ObjectNode delta = blockDelta.putObject("delta");
            delta.put("type", "input_json_delta");
            delta.put("partial_json", piece);
            body.write(serverSentEvent(blockDelta));
        }
        closeStream(body, "tool_use", toolCall.outputTokens());
    }

    private static ObjectNode messageHead(String id, String model) {
        ObjectNode message = Json.object();
        message.put("id", id);
        message.put("type", "message");
        message.put("role", "assistant");
        message.put("model", model);
        return message;
    }

    private static ObjectNode event(String type) {
        ObjectNode event = Json.object();
        event.put("type", type);
        return event;
    }

    /** Anthropic names every event twice: in the SSE event line and in the data's "type". */
    private static String serverSentEvent(ObjectNode data) {
        return "event: " + data.get("type").asText() + "\ndata: " + Json.write(data) + "\n\n";
    }

    private static ObjectNode usage(int inputTokens, int outputTokens) {
        ObjectNode usage = Json.object();
        usage.put("input_tokens", inputTokens);
        usage.put("cache_creation_input_tokens", 0);
        usage.put("cache_read_input_tokens", 0);
        usage.put("output_tokens", outputTokens);
        return usage;
    }

    /**
     * Text of a system prompt or message content: a plain string, or the text blocks of a block list,
     * including the text inside tool_result blocks.
     */
    private static void collectText(JsonNode content, List<String> texts) {
        if (content == null) {
            return;
        }
        if (content.isTextual()) {
            texts.add(content.asText());
            return;
        }
        if (!content.isArray()) {
            return;
        }
        for (JsonNode block : content) {
            String type = block.path("type").asText();
            if (type.equals("text") && block.path("text").isTextual()) {
                texts.add(block.get("text").asText());
            } else if (type.equals("tool_result")) {
                collectText(block.get("content"), texts);
            }
        }
    }

    private static String requireModel(ObjectNode request) {
        JsonNode model = request.get("model");
        if (model == null || model.isNull()) {
            throw ERRORS.badRequest("model: Field required");
        }
        if (!model.isTextual() || model.asText().isBlank()) {
            throw ERRORS.badRequest("model: Input should be a valid string");
        }
        return model.asText();
    }

    private static int requireMaxTokens(ObjectNode request) {
        JsonNode maxTokens = request.get("max_tokens");
        if (maxTokens == null || maxTokens.isNull()) {
            throw ERRORS.badRequest("max_tokens: Field required");
        }
        if (!maxTokens.isIntegralNumber() || !maxTokens.canConvertToInt()) {
            throw ERRORS.badRequest("max_tokens: Input should be a valid integer");
        }
        if (maxTokens.asInt() < 1) {
            throw ERRORS.badRequest("max_tokens: Input should be greater than or equal to 1");
        }
        return maxTokens.asInt();
    }

    static final class Errors implements ProviderErrors {

        @Override
        public ErrorResponse missingApiKey() {
            return error(401, "authentication_error", "x-api-key header is required");
        }

        @Override
        public ErrorResponse invalidApiKey() {
            return error(401, "authentication_error", "invalid x-api-key");
        }

        @Override
        public ErrorResponse unauthenticated() {
            return invalidApiKey();
        }

        @Override
        public ErrorResponse badRequest(String message) {
            return error(400, "invalid_request_error", message);
        }

        @Override
        public ErrorResponse rateLimited() {
            return new ErrorResponse(429, body("rate_limit_error",
                    "This request would exceed the rate limit for your organization. Please try again later."),
                    Map.of("retry-after", "1"));
        }

        @Override
        public ErrorResponse serverError() {
            return error(500, "api_error", "Internal server error");
        }

        @Override
        public ErrorResponse notFound(String method, String path) {
            return error(404, "not_found_error", "Not found: " + method + " " + path);
        }

        private static ErrorResponse error(int status, String type, String message) {
            return new ErrorResponse(status, body(type, message));
        }

        private static ObjectNode body(String type, String message) {
            ObjectNode body = Json.object();
            body.put("type", "error");
            ObjectNode error = body.putObject("error");
            error.put("type", type);
            error.put("message", message);
            return body;
        }
    }
}
