package io.tollgate.gateway.providers.gemini;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.providers.ChunkTranslator;
import io.tollgate.gateway.providers.ProviderAdapter;
import io.tollgate.gateway.providers.ProviderUrls;
import io.tollgate.gateway.providers.WireFormat;
import io.tollgate.gateway.providers.openai.OpenAiAnswers;
import org.springframework.stereotype.Component;

import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * Google's Gemini API: {@code POST {baseUrl}/models/{model}:generateContent}, or
 * {@code :streamGenerateContent?alt=sse} when streaming (base URL like
 * {@code https://generativelanguage.googleapis.com/v1beta}), authenticated with {@code x-goog-api-key}.
 * Request translation: {@link GeminiRequests}; streams: {@link GeminiChunkTranslator}.
 *
 * <p>Usage follows OpenAI's semantics: {@code prompt_tokens = promptTokenCount (+ toolUsePromptTokenCount)},
 * {@code cached_tokens = cachedContentTokenCount}, {@code reasoning_tokens = thoughtsTokenCount} and
 * {@code completion_tokens = candidatesTokenCount + thoughtsTokenCount} (OpenAI's completion tokens include
 * reasoning; Gemini's candidatesTokenCount does not).
 *
 * <p>Embeddings: {@code POST models/{model}:batchEmbedContents}. Gemini reports no token count for them, so
 * the OpenAI response carries {@code usage} without {@code prompt_tokens}: the pipeline counts them.
 */
@Component
public class GeminiAdapter implements ProviderAdapter {
    private final ObjectMapper json;
    private final GeminiRequests requests;

    public GeminiAdapter(ObjectMapper json) {
        this.json = json;
        this.requests = new GeminiRequests(json);
    }

    @Override
    public WireFormat wireFormat() {
        return WireFormat.GEMINI;
    }

    @Override
    public HttpRequest.Builder chatRequest(URI baseUrl, String secret, ObjectNode chatRequest) {
        boolean stream = chatRequest.path("stream").asBoolean(false);
        String model = modelPath(chatRequest.path("model").asText());
        String path = model + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
        return post(baseUrl, path, secret, requests.toGenerateContentRequest(chatRequest))
                .header("Accept", stream ? "text/event-stream" : "application/json");
    }

    /** The Gemini request body for an OpenAI chat request (what {@link #chatRequest} sends). */
    public ObjectNode toGenerateContentRequest(ObjectNode chatRequest) {
        return requests.toGenerateContentRequest(chatRequest);
    }

    /** {@code models/{model}}, whether or not the model name already has the prefix. */
    static String modelPath(String model) {
        if (model.isBlank()) {
            throw GatewayException.badRequest("model is required");
        }
        String bare = model.startsWith("models/") ? model.substring("models/".length()) : model;
        return "models/" + URLEncoder.encode(bare, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public ObjectNode toChatCompletion(JsonNode answer, String model) {
        ObjectNode completion = json.createObjectNode();
        completion.put("id", answer.path("responseId").asText("gemini"));
        completion.put("object", "chat.completion");
        completion.put("created", Instant.now().getEpochSecond());
        completion.put("model", answer.path("modelVersion").asText(model));
        ArrayNode choices = completion.putArray("choices");
        int toolCall = 0;
        for (JsonNode candidate : answer.path("candidates")) {
            ObjectNode choice = choices.addObject();
            choice.put("index", candidate.path("index").asInt(choices.size() - 1));
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            var text = new StringBuilder();
            var reasoning = new StringBuilder();
            ArrayNode calls = json.createArrayNode();
            for (JsonNode part : candidate.path("content").path("parts")) {
                if (part.has("functionCall")) {
                    JsonNode call = part.get("functionCall");
                    ObjectNode toolCallNode = calls.addObject();
                    toolCallNode.put("id", call.path("id").asText(callId(answer, toolCall++)));
                    toolCallNode.put("type", "function");
                    toolCallNode.putObject("function").put("name", call.path("name").asText())
                            .put("arguments", call.path("args").isObject() ? call.get("args").toString() : "{}");
                } else if (part.path("text").isTextual()) {
                    (part.path("thought").asBoolean(false) ? reasoning : text).append(part.get("text").asText());
                }
            }
            if (text.isEmpty() && !calls.isEmpty()) {
                message.putNull("content");
            } else {
                message.put("content", text.toString());
            }
            if (!reasoning.isEmpty()) {
                message.put("reasoning_content", reasoning.toString());
            }
            if (!calls.isEmpty()) {
                message.set("tool_calls", calls);
            }
            choice.putNull("logprobs");
            String finish = finishReason(candidate.path("finishReason").asText(null), !calls.isEmpty());
            choice.put("finish_reason", finish == null ? "stop" : finish);
        }
        if (choices.isEmpty()) {
            // The prompt itself was blocked (promptFeedback.blockReason): no candidates at all.
            ObjectNode choice = choices.addObject();
            choice.put("index", 0);
            choice.putObject("message").put("role", "assistant").putNull("content");
            choice.putNull("logprobs");
            choice.put("finish_reason", answer.path("promptFeedback").has("blockReason") ? "content_filter" : "stop");
        }
        if (answer.path("usageMetadata").isObject()) {
            completion.set("usage", usage(json, answer.get("usageMetadata")));
        }
        return completion;
    }

    static String callId(JsonNode answer, int index) {
        String response = answer.path("responseId").asText("");
        return "call_" + (response.isEmpty() ? "" : response.replaceAll("[^A-Za-z0-9]", "") + "_") + index;
    }

    /** Gemini's finishReason as OpenAI's finish_reason; null while a stream goes on. */
    public static String finishReason(String finishReason, boolean calledFunctions) {
        if (finishReason == null || finishReason.isEmpty() || finishReason.equals("FINISH_REASON_UNSPECIFIED")) {
            return calledFunctions ? "tool_calls" : null;
        }
        return switch (finishReason) {
            case "MAX_TOKENS" -> "length";
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
                 "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION" -> "content_filter";
            default -> calledFunctions ? "tool_calls" : "stop"; // STOP, OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL…
        };
    }

    /** Gemini's usageMetadata as OpenAI's usage object. */
    static ObjectNode usage(ObjectMapper json, JsonNode metadata) {
        long prompt = metadata.path("promptTokenCount").asLong(0) + metadata.path("toolUsePromptTokenCount").asLong(0);
        long thoughts = metadata.path("thoughtsTokenCount").asLong(0);
        long completion = metadata.path("candidatesTokenCount").asLong(0) + thoughts;
        return OpenAiAnswers.usageObject(json, prompt, completion, metadata.path("cachedContentTokenCount").asLong(0),
                0, thoughts);
    }

    /**
     * {@inheritDoc}
     *
     * <p>An error object in the stream ({@code {"error":{…}}}) makes {@link ChunkTranslator#translate} throw
     * an {@link UncheckedIOException}, the same signal as a broken connection.
     */
    @Override
    public ChunkTranslator chunkTranslator(String model) {
        return new GeminiChunkTranslator(json, model);
    }

    /** Google's error body: {@code {"error":{"code","message","status"}}}; also the array form streams may send. */
    @Override
    public Optional<String> errorMessage(JsonNode providerError) {
        JsonNode error = providerError.isArray() ? providerError.path(0) : providerError;
        JsonNode message = error.path("error").path("message");
        return message.isTextual() ? Optional.of(message.asText()) : Optional.empty();
    }

    /**
     * The {@code google.rpc.ErrorInfo} reasons with which Google refuses the API key or the project behind it
     * (https://cloud.google.com/apis/design/errors): the key is not valid, expired, restricted to other
     * callers, or its project cannot use the API.
     */
    static final Set<String> CREDENTIAL_REASONS = Set.of("API_KEY_INVALID", "API_KEY_EXPIRED",
            "API_KEY_SERVICE_BLOCKED", "API_KEY_HTTP_REFERRER_BLOCKED", "API_KEY_IP_ADDRESS_BLOCKED",
            "API_KEY_ANDROID_APP_BLOCKED", "API_KEY_IOS_APP_BLOCKED", "SERVICE_DISABLED", "CONSUMER_SUSPENDED",
            "CONSUMER_INVALID", "ACCESS_TOKEN_EXPIRED", "ACCESS_TOKEN_TYPE_UNSUPPORTED");

    /** Gemini refuses a bad key with 400 INVALID_ARGUMENT (reason API_KEY_INVALID), not 401. */
    @Override
    public boolean mayRejectCredential(int httpStatus) {
        return httpStatus == 400 || httpStatus == 401 || httpStatus == 403;
    }

    /**
     * 401, or a 400/403 whose ErrorInfo reason names the key or its project ({@link #CREDENTIAL_REASONS}).
     * A 403 PERMISSION_DENIED without one is about the request's content, e.g. a {@code fileData.fileUri} the
     * project cannot read ("You do not have permission to access the File … or it may not exist").
     */
    @Override
    public boolean rejectsCredential(int httpStatus, JsonNode errorBody) {
        if (httpStatus == 401) {
            return true;
        }
        if (errorBody == null) {
            return false;
        }
        JsonNode error = (errorBody.isArray() ? errorBody.path(0) : errorBody).path("error");
        for (JsonNode detail : error.path("details")) {
            if (CREDENTIAL_REASONS.contains(detail.path("reason").asText())) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Optional<HttpRequest.Builder> embeddingsRequest(URI baseUrl, String secret, ObjectNode embeddingsRequest) {
        String model = modelPath(embeddingsRequest.path("model").asText());
        return Optional.of(post(baseUrl, model + ":batchEmbedContents", secret,
                toBatchEmbedRequest(embeddingsRequest)));
    }

    /** OpenAI embeddings request (input a string or an array of strings) → batchEmbedContents body. */
    public ObjectNode toBatchEmbedRequest(ObjectNode embeddingsRequest) {
        String model = modelPath(embeddingsRequest.path("model").asText());
        JsonNode input = embeddingsRequest.get("input");
        ObjectNode body = json.createObjectNode();
        ArrayNode requestsNode = body.putArray("requests");
        if (input == null || input.isNull() || (input.isArray() && input.isEmpty())) {
            throw GatewayException.badRequest("input is required");
        }
        for (JsonNode text : input.isArray() ? input : json.createArrayNode().add(input)) {
            if (!text.isTextual()) {
                throw GatewayException.badRequest("Gemini embeddings take text input: a string or an array of strings.");
            }
            ObjectNode request = requestsNode.addObject();
            request.put("model", model);
            request.putObject("content").putArray("parts").addObject().put("text", text.asText());
            if (embeddingsRequest.path("dimensions").canConvertToInt()) {
                request.put("outputDimensionality", embeddingsRequest.get("dimensions").asInt());
            }
        }
        return body;
    }

    @Override
    public ObjectNode toEmbeddingsResponse(JsonNode providerAnswer, String model) {
        ObjectNode response = json.createObjectNode();
        response.put("object", "list");
        ArrayNode data = response.putArray("data");
        int index = 0;
        for (JsonNode embedding : providerAnswer.path("embeddings")) {
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", index++);
            item.set("embedding", embedding.path("values"));
        }
        response.put("model", model);
        // Gemini does not count embedding tokens: prompt_tokens is left for the pipeline to count.
        response.putObject("usage");
        return response;
    }

    private HttpRequest.Builder post(URI baseUrl, String path, String secret, ObjectNode body) {
        try {
            return HttpRequest.newBuilder(ProviderUrls.resolve(baseUrl, path))
                    .header("x-goog-api-key", secret)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
