package io.tollgate.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;

/** OpenAI's Chat Completions, Embeddings and model list, as documented in the OpenAI API reference. */
final class OpenAiApi extends ProviderApi {

    static final List<String> MODEL_IDS = List.of(
            "mock-gpt", "mock-gpt-mini", "mock-embedding",
            FailureInjector.MODEL_FAIL_429, FailureInjector.MODEL_FAIL_500,
            FailureInjector.MODEL_FAIL_401, FailureInjector.MODEL_TIMEOUT);

    static final Errors ERRORS = new Errors();

    private static final int DEFAULT_EMBEDDING_DIMENSIONS = 8;
    private static final int MAX_EMBEDDING_DIMENSIONS = 4096;
    private static final String SYSTEM_FINGERPRINT = "fp_tollgate_mock";
    private static final long MODELS_CREATED_AT = 1_700_000_000L;

    OpenAiApi(FailureInjector failures) {
        super(failures);
    }

    @Override
    ProviderErrors errors() {
        return ERRORS;
    }

    void chatCompletions(ProviderExchange exchange) throws IOException, InterruptedException {
        requireApiKey(exchange, bearerToken(exchange));
        ObjectNode request = exchange.readJsonObject();
        String model = requireModel(request);
        JsonNode messages = request.get("messages");
        if (messages == null || messages.isNull()) {
            throw ERRORS.badRequest("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
        }
        if (!messages.isArray()) {
            throw ERRORS.badRequest("Invalid type for 'messages': expected an array.", "messages", "invalid_type");
        }
        if (messages.isEmpty()) {
            throw ERRORS.badRequest("Invalid 'messages': empty array. Expected an array with minimum length 1, "
                    + "but got an empty array instead.", "messages", "empty_array");
        }
        int promptTokens = TokenCount.inputTokens(messageTexts(messages));
        OptionalInt maxTokens = maxTokens(request);
        boolean stream = request.path("stream").asBoolean(false);
        boolean includeUsage = request.path("stream_options").path("include_usage").asBoolean(false);

        if (heldByInjectedFailure(exchange, model)) {
            return;
        }
        String id = Ids.openAiChatCompletion();
        long created = Instant.now().getEpochSecond();
        ToolCall toolCall = toolCall(request, messages);
        if (toolCall != null) {
            // OpenAI finishes a call the tool choice named with "stop", one the model chose with "tool_calls".
            String finishReason = request.path("tool_choice").isObject() ? "stop" : "tool_calls";
            ObjectNode usage = usage(promptTokens, toolCall.outputTokens());
            ChunkHeader header = new ChunkHeader(id, created, model, includeUsage);
            if (stream) {
                streamToolCall(exchange, header, toolCall, finishReason, usage);
            } else {
                exchange.sendJson(200, completion(header, toolCallMessage(toolCall), finishReason, usage));
            }
            return;
        }
        DeterministicReply reply = DeterministicReply.generate(exchange.config().replyWords(), maxTokens);
        String finishReason = reply.truncated() ? "length" : "stop";
        String jsonReply = jsonReply(request.get("response_format"), reply);
        if (jsonReply != null) {
            reply = new DeterministicReply(List.of(jsonReply), false);
            finishReason = "stop";
        }
        ObjectNode usage = usage(promptTokens, jsonReply == null ? reply.outputTokens() : TokenCount.words(jsonReply));
        if (stream) {
            streamChatCompletion(exchange, new ChunkHeader(id, created, model, includeUsage), reply, finishReason, usage);
            return;
        }

        ObjectNode message = Json.object();
        message.put("role", "assistant");
        message.put("content", reply.text());
        message.putNull("refusal");
        message.putArray("annotations");
        exchange.sendJson(200, completion(new ChunkHeader(id, created, model, false), message, finishReason, usage));
    }

    private static ObjectNode completion(ChunkHeader header, ObjectNode message, String finishReason, ObjectNode usage) {
        ObjectNode response = Json.object();
        response.put("id", header.id());
        response.put("object", "chat.completion");
        response.put("created", header.created());
        response.put("model", header.model());
        ObjectNode choice = response.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("message", message);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        response.set("usage", usage);
        response.put("service_tier", "default");
        response.put("system_fingerprint", SYSTEM_FINGERPRINT);
        return response;
    }

    /**
     * The call the request's tools and tool_choice ("none", "auto", "required" or a named function) ask
     * for; null for a text reply. A conversation that ends in a tool message has had its call answered.
     */
    private static ToolCall toolCall(ObjectNode request, JsonNode messages) {
        JsonNode tools = request.get("tools");
        if (tools == null || tools.isNull()) {
            return null;
        }
        if (!tools.isArray()) {
            throw ERRORS.badRequest("Invalid type for 'tools': expected an array.", "tools", "invalid_type");
        }
        Map<String, JsonNode> schemas = new java.util.LinkedHashMap<>();
        for (JsonNode tool : tools) {
            JsonNode function = tool.path("function");
            if (!function.path("name").isTextual()) {
                throw ERRORS.badRequest("Missing required parameter: 'tools[].function.name'.", "tools",
                        "missing_required_parameter");
            }
            schemas.put(function.get("name").asText(), function.get("parameters"));
        }
        JsonNode choice = request.path("tool_choice");
        ToolCall.Choice kind = switch (choice.isObject() ? "named" : choice.asText("auto")) {
            case "none" -> ToolCall.Choice.NONE;
            case "required" -> ToolCall.Choice.REQUIRED;
            case "named" -> ToolCall.Choice.NAMED;
            default -> ToolCall.Choice.AUTO;
        };
        boolean answered = "tool".equals(messages.get(messages.size() - 1).path("role").asText());
        return ToolCall.choose(kind, choice.path("function").path("name").asText(null), schemas, answered);
    }

    private static ObjectNode toolCallMessage(ToolCall toolCall) {
        ObjectNode message = Json.object();
        message.put("role", "assistant");
        message.putNull("content");
        ObjectNode call = message.putArray("tool_calls").addObject();
        call.put("id", Ids.openAiToolCall());
        call.put("type", "function");
        ObjectNode function = call.putObject("function");
        function.put("name", toolCall.name());
        function.put("arguments", toolCall.argumentsJson());
        message.putNull("refusal");
        message.putArray("annotations");
        return message;
    }

    /** The call's name and id in the first chunk, then its arguments in two pieces, as OpenAI streams them. */
    private static void streamToolCall(ProviderExchange exchange, ChunkHeader header, ToolCall toolCall,
                                       String finishReason, ObjectNode usage) throws IOException, InterruptedException {
        ProviderExchange.ChunkedBody body = exchange.startStream("text/event-stream; charset=utf-8");
        ObjectNode first = Json.object();
        first.put("role", "assistant");
        first.putNull("content");
        ObjectNode call = first.putArray("tool_calls").addObject();
        call.put("index", 0);
        call.put("id", Ids.openAiToolCall());
        call.put("type", "function");
        call.putObject("function").put("name", toolCall.name()).put("arguments", "");
        first.putNull("refusal");
        body.write(serverSentEvent(chunk(header, first, null)));
        String arguments = toolCall.argumentsJson();
        int half = arguments.length() / 2;
        for (String piece : List.of(arguments.substring(0, half), arguments.substring(half))) {
            ObjectNode delta = Json.object();
            ObjectNode argumentsDelta = delta.putArray("tool_calls").addObject();
            argumentsDelta.put("index", 0);
            argumentsDelta.putObject("function").put("arguments", piece);
            body.write(serverSentEvent(chunk(header, delta, null)));
        }
        finishStream(body, header, finishReason, usage);
    }

    /**
     * The reply as JSON when response_format asks for it: an object that fits a json_schema's schema,
     * or {"reply": text} for json_object; null for text.
     */
    private static String jsonReply(JsonNode responseFormat, DeterministicReply reply) {
        if (responseFormat == null || !responseFormat.isObject()) {
            return null;
        }
        return switch (responseFormat.path("type").asText()) {
            case "json_schema" -> Json.write(ToolCall.valueFor(responseFormat.path("json_schema").get("schema"), "reply", 0));
            case "json_object" -> Json.write(Json.object().put("reply", reply.text()));
            default -> null;
        };
    }

    /** The fields every chunk of one streamed completion repeats. */
    private record ChunkHeader(String id, long created, String model, boolean includeUsage) {
    }

    private static void streamChatCompletion(ProviderExchange exchange, ChunkHeader header, DeterministicReply reply,
                                             String finishReason, ObjectNode usage)
            throws IOException, InterruptedException {
        ProviderExchange.ChunkedBody body = exchange.startStream("text/event-stream; charset=utf-8");

        ObjectNode roleDelta = Json.object();
        roleDelta.put("role", "assistant");
        roleDelta.put("content", "");
        roleDelta.putNull("refusal");
        body.write(serverSentEvent(chunk(header, roleDelta, null)));

        for (String piece : reply.streamPieces()) {
            ObjectNode contentDelta = Json.object();
            contentDelta.put("content", piece);
            body.write(serverSentEvent(chunk(header, contentDelta, null)));
        }

        finishStream(body, header, finishReason, usage);
    }

    /** The finish chunk, the usage chunk when the client asked for it, and the end marker. */
    private static void finishStream(ProviderExchange.ChunkedBody body, ChunkHeader header, String finishReason,
                                     ObjectNode usage) throws IOException, InterruptedException {
        body.write(serverSentEvent(chunk(header, Json.object(), finishReason)));
        if (header.includeUsage()) {
            ObjectNode usageChunk = chunkWithoutChoices(header);
            usageChunk.putArray("choices");
            usageChunk.set("usage", usage);
            body.write(serverSentEvent(usageChunk));
        }
        body.write("data: [DONE]\n\n");
    }

    private static ObjectNode chunk(ChunkHeader header, ObjectNode delta, String finishReason) {
        ObjectNode chunk = chunkWithoutChoices(header);
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        if (header.includeUsage()) {
            // With include_usage every chunk carries "usage": null except the final usage chunk.
            chunk.putNull("usage");
        }
        return chunk;
    }

    private static ObjectNode chunkWithoutChoices(ChunkHeader header) {
        ObjectNode chunk = Json.object();
        chunk.put("id", header.id());
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", header.created());
        chunk.put("model", header.model());
        chunk.put("service_tier", "default");
        chunk.put("system_fingerprint", SYSTEM_FINGERPRINT);
        return chunk;
    }

    private static String serverSentEvent(ObjectNode data) {
        return "data: " + Json.write(data) + "\n\n";
    }

    private static ObjectNode usage(int promptTokens, int completionTokens) {
        ObjectNode usage = Json.object();
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        ObjectNode promptDetails = usage.putObject("prompt_tokens_details");
        promptDetails.put("cached_tokens", 0);
        promptDetails.put("audio_tokens", 0);
        ObjectNode completionDetails = usage.putObject("completion_tokens_details");
        completionDetails.put("reasoning_tokens", 0);
        completionDetails.put("audio_tokens", 0);
        completionDetails.put("accepted_prediction_tokens", 0);
        completionDetails.put("rejected_prediction_tokens", 0);
        return usage;
    }

    /** Text of every message, whatever its role: plain string content or the text parts of array content. */
    private static List<String> messageTexts(JsonNode messages) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            if (!message.isObject()) {
                throw ERRORS.badRequest("Invalid type for 'messages[" + i + "]': expected an object.",
                        "messages[" + i + "]", "invalid_type");
            }
            JsonNode content = message.get("content");
            if (content == null) {
                continue;
            }
            if (content.isTextual()) {
                texts.add(content.asText());
            } else if (content.isArray()) {
                for (JsonNode part : content) {
                    if ("text".equals(part.path("type").asText()) && part.path("text").isTextual()) {
                        texts.add(part.get("text").asText());
                    }
                }
            }
        }
        return texts;
    }

    /** max_completion_tokens supersedes the older max_tokens; both cap the reply length. */
    private static OptionalInt maxTokens(ObjectNode request) {
        for (String field : List.of("max_completion_tokens", "max_tokens")) {
            JsonNode value = request.get(field);
            if (value == null || value.isNull()) {
                continue;
            }
            if (!value.isIntegralNumber() || !value.canConvertToInt()) {
                throw ERRORS.badRequest("Invalid type for '" + field + "': expected an integer.", field, "invalid_type");
            }
            if (value.asInt() < 1) {
                throw ERRORS.badRequest("Invalid '" + field + "': integer below minimum value. Expected a value >= 1, "
                        + "but got " + value.asInt() + " instead.", field, "integer_below_min_value");
            }
            return OptionalInt.of(value.asInt());
        }
        return OptionalInt.empty();
    }

    void embeddings(ProviderExchange exchange) throws IOException, InterruptedException {
        requireApiKey(exchange, bearerToken(exchange));
        ObjectNode request = exchange.readJsonObject();
        String model = requireModel(request);
        List<EmbeddingInput> inputs = embeddingInputs(request.get("input"));
        int dimensions = embeddingDimensions(request.get("dimensions"));
        String encodingFormat = request.path("encoding_format").asText("float");
        if (!encodingFormat.equals("float") && !encodingFormat.equals("base64")) {
            throw ERRORS.badRequest("Invalid value for 'encoding_format': expected 'float' or 'base64'.",
                    "encoding_format", "invalid_value");
        }
        int promptTokens = Math.max(1, inputs.stream().mapToInt(EmbeddingInput::tokens).sum());

        if (heldByInjectedFailure(exchange, model)) {
            return;
        }
        ObjectNode response = Json.object();
        response.put("object", "list");
        ArrayNode data = response.putArray("data");
        for (int i = 0; i < inputs.size(); i++) {
            float[] vector = embeddingVector(inputs.get(i).identity(), dimensions);
            ObjectNode embedding = data.addObject();
            embedding.put("object", "embedding");
            embedding.put("index", i);
            if (encodingFormat.equals("base64")) {
                embedding.put("embedding", base64LittleEndian(vector));
            } else {
                ArrayNode values = embedding.putArray("embedding");
                for (float value : vector) {
                    values.add(value);
                }
            }
        }
        response.put("model", model);
        ObjectNode usage = response.putObject("usage");
        usage.put("prompt_tokens", promptTokens);
        usage.put("total_tokens", promptTokens);
        exchange.sendJson(200, response);
    }

    /**
     * One input to embed.
     *
     * @param identity what the vector is derived from, so equal inputs always get equal vectors
     * @param tokens   its token count: words of a string, or the length of a pre-tokenised array
     */
    private record EmbeddingInput(String identity, int tokens) {
    }

    /** Accepts every form the API does: a string, strings, a token array, or token arrays. */
    private static List<EmbeddingInput> embeddingInputs(JsonNode input) {
        if (input == null || input.isNull()) {
            throw ERRORS.badRequest("Missing required parameter: 'input'.", "input", "missing_required_parameter");
        }
        List<EmbeddingInput> inputs = new ArrayList<>();
        if (input.isTextual()) {
            inputs.add(textInput(input));
        } else if (input.isArray() && !input.isEmpty() && input.get(0).isIntegralNumber()) {
            inputs.add(tokenArrayInput(input));
        } else if (input.isArray() && !input.isEmpty()) {
            for (JsonNode element : input) {
                if (element.isTextual()) {
                    inputs.add(textInput(element));
                } else if (element.isArray() && !element.isEmpty()) {
                    inputs.add(tokenArrayInput(element));
                } else {
                    throw invalidEmbeddingInput();
                }
            }
        } else {
            throw invalidEmbeddingInput();
        }
        return inputs;
    }

    private static EmbeddingInput textInput(JsonNode text) {
        if (text.asText().isEmpty()) {
            throw invalidEmbeddingInput();
        }
        return new EmbeddingInput("text:" + text.asText(), TokenCount.words(text.asText()));
    }

    private static EmbeddingInput tokenArrayInput(JsonNode tokens) {
        for (JsonNode token : tokens) {
            if (!token.isIntegralNumber()) {
                throw invalidEmbeddingInput();
            }
        }
        return new EmbeddingInput("tokens:" + tokens, tokens.size());
    }

    private static ErrorResponse invalidEmbeddingInput() {
        return ERRORS.badRequest("'$.input' is invalid. Please check the API reference: "
                + "https://platform.openai.com/docs/api-reference.", null, null);
    }

    private static int embeddingDimensions(JsonNode dimensions) {
        if (dimensions == null || dimensions.isNull()) {
            return DEFAULT_EMBEDDING_DIMENSIONS;
        }
        if (!dimensions.isIntegralNumber() || dimensions.asInt() < 1 || dimensions.asInt() > MAX_EMBEDDING_DIMENSIONS) {
            throw ERRORS.badRequest("Invalid 'dimensions': expected an integer between 1 and "
                    + MAX_EMBEDDING_DIMENSIONS + ".", "dimensions", "invalid_value");
        }
        return dimensions.asInt();
    }

    /**
     * A unit vector seeded by a hash of the input: stable across runs and JVMs (java.util.Random's
     * algorithm is specified), and different inputs get unrelated vectors.
     */
    private static float[] embeddingVector(String identity, int dimensions) {
        Random random = new Random(ByteBuffer.wrap(sha256(identity)).getLong());
        double[] raw = new double[dimensions];
        double squaredLength = 0;
        for (int i = 0; i < dimensions; i++) {
            raw[i] = random.nextDouble() * 2 - 1;
            squaredLength += raw[i] * raw[i];
        }
        double length = Math.sqrt(squaredLength);
        float[] vector = new float[dimensions];
        for (int i = 0; i < dimensions; i++) {
            vector[i] = (float) (length == 0 ? 0 : raw[i] / length);
        }
        return vector;
    }

    /** The API's base64 format: the float32 values, little-endian, base64-encoded. */
    private static String base64LittleEndian(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : vector) {
            bytes.putFloat(value);
        }
        return Base64.getEncoder().encodeToString(bytes.array());
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK ships SHA-256", e);
        }
    }

    void listModels(ProviderExchange exchange) throws IOException, InterruptedException {
        requireApiKey(exchange, bearerToken(exchange));
        ObjectNode response = Json.object();
        response.put("object", "list");
        ArrayNode data = response.putArray("data");
        for (String id : MODEL_IDS) {
            ObjectNode model = data.addObject();
            model.put("id", id);
            model.put("object", "model");
            model.put("created", MODELS_CREATED_AT);
            model.put("owned_by", "tollgate-mock");
        }
        exchange.sendJson(200, response);
    }

    private static String requireModel(ObjectNode request) {
        JsonNode model = request.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            throw ERRORS.badRequest("you must provide a model parameter", null, null);
        }
        return model.asText();
    }

    static String bearerToken(ProviderExchange exchange) {
        String authorization = exchange.header("Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return authorization.substring(7).trim();
    }

    static final class Errors implements ProviderErrors {

        @Override
        public ErrorResponse missingApiKey() {
            return error(401, "You didn't provide an API key. You need to provide your API key in an Authorization "
                    + "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                    "invalid_request_error", null, "invalid_api_key");
        }

        @Override
        public ErrorResponse invalidApiKey() {
            return error(401, "Incorrect API key provided. You can find your API key at "
                    + "https://platform.openai.com/account/api-keys.", "invalid_request_error", null, "invalid_api_key");
        }

        @Override
        public ErrorResponse unauthenticated() {
            return invalidApiKey();
        }

        @Override
        public ErrorResponse badRequest(String message) {
            return badRequest(message, null, null);
        }

        ErrorResponse badRequest(String message, String param, String code) {
            return error(400, message, "invalid_request_error", param, code);
        }

        @Override
        public ErrorResponse malformedJson() {
            return badRequest("We could not parse the JSON body of your request. (HINT: This likely means you aren't "
                    + "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent "
                    + "was not valid JSON.)");
        }

        @Override
        public ErrorResponse rateLimited() {
            ObjectNode body = body("Rate limit reached for requests. Please try again in 1s.",
                    "rate_limit_exceeded", null, "rate_limit_exceeded");
            return new ErrorResponse(429, body, Map.of("retry-after", "1", "x-ratelimit-remaining-requests", "0"));
        }

        @Override
        public ErrorResponse serverError() {
            return error(500, "The server had an error while processing your request. Sorry about that!",
                    "server_error", null, null);
        }

        @Override
        public ErrorResponse notFound(String method, String path) {
            return error(404, "Invalid URL (" + method + " " + path + ")", "invalid_request_error", null, null);
        }

        private static ErrorResponse error(int status, String message, String type, String param, String code) {
            return new ErrorResponse(status, body(message, type, param, code));
        }

        private static ObjectNode body(String message, String type, String param, String code) {
            ObjectNode body = Json.object();
            ObjectNode error = body.putObject("error");
            error.put("message", message);
            error.put("type", type);
            error.put("param", param);
            error.put("code", code);
            return body;
        }
    }
}
