package io.tollgate.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Google Gemini's generateContent and streamGenerateContent, as documented in the Gemini API
 * reference. The REST API accepts both lowerCamel and snake_case field names, so both are read.
 */
final class GeminiApi extends ProviderApi {

    static final Errors ERRORS = new Errors();

    GeminiApi(FailureInjector failures) {
        super(failures);
    }

    @Override
    ProviderErrors errors() {
        return ERRORS;
    }

    /** What both methods read from a request; toolCall is null for a text reply. */
    private record ParsedRequest(int promptTokens, OptionalInt maxOutputTokens, ToolCall toolCall) {
    }

    void generateContent(ProviderExchange exchange, String model) throws IOException, InterruptedException {
        ParsedRequest request = parse(exchange);
        if (heldByInjectedFailure(exchange, model)) {
            return;
        }
        if (request.toolCall() != null) {
            exchange.sendJson(200, functionCallResponse(request, model, Ids.geminiResponse()));
            return;
        }
        DeterministicReply reply = DeterministicReply.generate(exchange.config().replyWords(), request.maxOutputTokens());
        ObjectNode response = response(reply.text(), finishReason(reply), request.promptTokens(),
                reply.outputTokens(), model, Ids.geminiResponse());
        exchange.sendJson(200, response);
    }

    /** Gemini answers a function call whole, in one response (one chunk when streamed), finishing with STOP. */
    private static ObjectNode functionCallResponse(ParsedRequest request, String model, String responseId) {
        ToolCall toolCall = request.toolCall();
        ObjectNode response = response("", "STOP", request.promptTokens(), toolCall.outputTokens(), model, responseId);
        ObjectNode part = (ObjectNode) response.get("candidates").get(0).get("content").get("parts").get(0);
        part.remove("text");
        part.putObject("functionCall").put("name", toolCall.name()).set("args", toolCall.arguments());
        return response;
    }

    /**
     * The call the request's functionDeclarations and toolConfig.functionCallingConfig.mode (AUTO, ANY
     * with allowedFunctionNames, NONE) ask for; null for a text reply. A last turn holding a
     * functionResponse has had its call answered.
     */
    private static ToolCall toolCall(ObjectNode request, JsonNode contents) {
        Map<String, JsonNode> schemas = new java.util.LinkedHashMap<>();
        for (JsonNode tool : request.path("tools")) {
            JsonNode declarations = field(tool, "functionDeclarations", "function_declarations");
            for (JsonNode declaration : declarations == null ? Json.array() : declarations) {
                if (declaration.path("name").isTextual()) {
                    JsonNode parameters = declaration.get("parameters");
                    schemas.put(declaration.get("name").asText(),
                            parameters != null ? parameters : declaration.get("parametersJsonSchema"));
                }
            }
        }
        JsonNode toolConfig = field(request, "toolConfig", "tool_config");
        JsonNode calling = toolConfig == null ? null : field(toolConfig, "functionCallingConfig", "function_calling_config");
        String mode = calling == null ? "AUTO" : calling.path("mode").asText("AUTO");
        JsonNode allowed = calling == null ? null : field(calling, "allowedFunctionNames", "allowed_function_names");
        String named = allowed != null && allowed.isArray() && !allowed.isEmpty() ? allowed.get(0).asText() : null;
        ToolCall.Choice kind = switch (mode.toUpperCase(java.util.Locale.ROOT)) {
            case "NONE" -> ToolCall.Choice.NONE;
            case "ANY" -> named != null ? ToolCall.Choice.NAMED : ToolCall.Choice.REQUIRED;
            default -> ToolCall.Choice.AUTO;
        };
        boolean answered = false;
        for (JsonNode part : contents.get(contents.size() - 1).path("parts")) {
            answered |= part.has("functionResponse") || part.has("function_response");
        }
        return ToolCall.choose(kind, named, schemas, answered);
    }

    /**
     * One response per word. With {@code alt=sse} each is a server-sent event; without it the whole
     * stream is one JSON array whose elements are still written as they are produced.
     */
    void streamGenerateContent(ProviderExchange exchange, String model) throws IOException, InterruptedException {
        ParsedRequest request = parse(exchange);
        boolean serverSentEvents = exchange.queryParameter("alt").filter("sse"::equals).isPresent();
        if (heldByInjectedFailure(exchange, model)) {
            return;
        }
        DeterministicReply reply = DeterministicReply.generate(exchange.config().replyWords(), request.maxOutputTokens());
        String responseId = Ids.geminiResponse();
        List<String> pieces = reply.streamPieces();
        ProviderExchange.ChunkedBody body =
                exchange.startStream(serverSentEvents ? "text/event-stream" : "application/json; charset=UTF-8");
        if (request.toolCall() != null) {
            String chunk = Json.write(functionCallResponse(request, model, responseId));
            body.write(serverSentEvents ? "data: " + chunk + "\n\n" : "[" + chunk + "]");
            return;
        }
        for (int i = 0; i < pieces.size(); i++) {
            boolean last = i == pieces.size() - 1;
            // Usage is cumulative: each chunk reports the candidate tokens produced so far.
            String chunk = Json.write(response(pieces.get(i), last ? finishReason(reply) : null,
                    request.promptTokens(), i + 1, model, responseId));
            if (serverSentEvents) {
                body.write("data: " + chunk + "\n\n");
            } else {
                body.write((i == 0 ? "[" : ",\n") + chunk + (last ? "]" : ""));
            }
        }
    }

    private ParsedRequest parse(ProviderExchange exchange) throws IOException {
        String presentedKey = exchange.header("x-goog-api-key");
        if (presentedKey == null) {
            presentedKey = exchange.queryParameter("key").orElse(null);
        }
        requireApiKey(exchange, presentedKey);
        ObjectNode request = exchange.readJsonObject();
        JsonNode contents = request.get("contents");
        if (contents == null || !contents.isArray() || contents.isEmpty()) {
            throw ERRORS.badRequest("* GenerateContentRequest.contents: contents is not specified\n");
        }
        List<String> texts = new ArrayList<>();
        collectPartTexts(field(request, "systemInstruction", "system_instruction"), texts);
        for (JsonNode content : contents) {
            collectPartTexts(content, texts);
        }
        JsonNode generationConfig = field(request, "generationConfig", "generation_config");
        JsonNode maxOutputTokens = generationConfig == null ? null
                : field(generationConfig, "maxOutputTokens", "max_output_tokens");
        OptionalInt cap = OptionalInt.empty();
        if (maxOutputTokens != null && !maxOutputTokens.isNull()) {
            if (!maxOutputTokens.isIntegralNumber() || !maxOutputTokens.canConvertToInt()) {
                throw ERRORS.badRequest("Invalid value at 'generation_config.max_output_tokens', expected an integer.");
            }
            // Gemini treats a non-positive limit as "use the model's default".
            if (maxOutputTokens.asInt() > 0) {
                cap = OptionalInt.of(maxOutputTokens.asInt());
            }
        }
        return new ParsedRequest(TokenCount.inputTokens(texts), cap, toolCall(request, contents));
    }

    private static JsonNode field(JsonNode object, String camelCaseName, String snakeCaseName) {
        JsonNode value = object.get(camelCaseName);
        return value != null ? value : object.get(snakeCaseName);
    }

    private static void collectPartTexts(JsonNode content, List<String> texts) {
        if (content == null) {
            return;
        }
        for (JsonNode part : content.path("parts")) {
            if (part.path("text").isTextual()) {
                texts.add(part.get("text").asText());
            }
        }
    }

    private static String finishReason(DeterministicReply reply) {
        return reply.truncated() ? "MAX_TOKENS" : "STOP";
    }

    /** A GenerateContentResponse; finishReason is left out of stream chunks before the last. */
    private static ObjectNode response(String text, String finishReason, int promptTokens, int candidatesTokens,
                                       String model, String responseId) {
        ObjectNode response = Json.object();
        ObjectNode candidate = response.putArray("candidates").addObject();
        ObjectNode content = candidate.putObject("content");
        content.putArray("parts").addObject().put("text", text);
        content.put("role", "model");
        if (finishReason != null) {
            candidate.put("finishReason", finishReason);
        }
        candidate.put("index", 0);
        ObjectNode usage = response.putObject("usageMetadata");
        usage.put("promptTokenCount", promptTokens);
        usage.put("candidatesTokenCount", candidatesTokens);
        usage.put("totalTokenCount", promptTokens + candidatesTokens);
        ObjectNode promptDetails = usage.putArray("promptTokensDetails").addObject();
        promptDetails.put("modality", "TEXT");
        promptDetails.put("tokenCount", promptTokens);
        response.put("modelVersion", model);
        response.put("responseId", responseId);
        return response;
    }

    /** Google's error shape: {"error":{"code","message","status"}}, plus details where Google sends them. */
    static final class Errors implements ProviderErrors {

        /** Google answers a request without any key 403, not 401. */
        @Override
        public ErrorResponse missingApiKey() {
            return error(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without "
                    + "established identity). Please use API Key or other form of API consumer identity to call this API.");
        }

        /** Google answers a wrong key 400 INVALID_ARGUMENT with reason API_KEY_INVALID, not 401. */
        @Override
        public ErrorResponse invalidApiKey() {
            ObjectNode body = body(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.");
            ObjectNode errorInfo = ((ObjectNode) body.get("error")).putArray("details").addObject();
            errorInfo.put("@type", "type.googleapis.com/google.rpc.ErrorInfo");
            errorInfo.put("reason", "API_KEY_INVALID");
            errorInfo.put("domain", "googleapis.com");
            errorInfo.putObject("metadata").put("service", "generativelanguage.googleapis.com");
            return new ErrorResponse(400, body);
        }

        @Override
        public ErrorResponse unauthenticated() {
            return error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 "
                    + "access token, login cookie or other valid authentication credential.");
        }

        @Override
        public ErrorResponse badRequest(String message) {
            return error(400, "INVALID_ARGUMENT", message);
        }

        @Override
        public ErrorResponse malformedJson() {
            return badRequest("Invalid JSON payload received. Unexpected token.");
        }

        @Override
        public ErrorResponse rateLimited() {
            return error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).");
        }

        @Override
        public ErrorResponse serverError() {
            return error(500, "INTERNAL", "An internal error has occurred. Please retry or report in "
                    + "https://developers.generativeai.google/guide/troubleshooting");
        }

        @Override
        public ErrorResponse notFound(String method, String path) {
            return error(404, "NOT_FOUND", "Requested entity was not found: " + method + " " + path);
        }

        private static ErrorResponse error(int code, String status, String message) {
            return new ErrorResponse(code, body(code, status, message));
        }

        private static ObjectNode body(int code, String status, String message) {
            ObjectNode body = Json.object();
            ObjectNode error = body.putObject("error");
            error.put("code", code);
            error.put("message", message);
            error.put("status", status);
            return body;
        }
    }
}
