package io.tollgate.gateway.providers.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.providers.ChunkTranslator;
import io.tollgate.gateway.providers.ProviderAdapter;
import io.tollgate.gateway.providers.ProviderUrls;
import io.tollgate.gateway.providers.WireFormat;
import org.springframework.stereotype.Component;

import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Optional;

/**
 * OpenAI's own API and every server that copies it (DeepSeek, xAI, OpenRouter, Ollama, Mistral, Groq, …):
 * the pivot is this wire format, so requests and answers pass unchanged.
 */
@Component
public class OpenAiAdapter implements ProviderAdapter {
    private final ObjectMapper json;

    public OpenAiAdapter(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public WireFormat wireFormat() {
        return WireFormat.OPENAI;
    }

    @Override
    public HttpRequest.Builder chatRequest(URI baseUrl, String secret, ObjectNode chatRequest) {
        return post(baseUrl, "chat/completions", secret, chatRequest)
                .header("Accept", chatRequest.path("stream").asBoolean(false) ? "text/event-stream" : "application/json");
    }

    @Override
    public ObjectNode toChatCompletion(JsonNode providerAnswer, String model) {
        return (ObjectNode) providerAnswer;
    }

    @Override
    public ChunkTranslator chunkTranslator(String model) {
        return (event, data) -> {
            if (data.equals("[DONE]")) {
                return List.of();
            }
            return List.of((ObjectNode) read(data));
        };
    }

    @Override
    public Optional<String> errorMessage(JsonNode providerError) {
        JsonNode message = providerError.path("error").path("message");
        return message.isTextual() ? Optional.of(message.asText()) : Optional.empty();
    }

    /**
     * 401, or a 403 whose code says the key is invalid ({@code invalid_api_key}, as OpenAI and most compatible
     * providers name it) or whose type is an authentication error. Other 403s (a country not served, a model
     * the project may not use, a moderation refusal of the content) are the request's.
     */
    @Override
    public boolean rejectsCredential(int httpStatus, JsonNode errorBody) {
        if (httpStatus == 401) {
            return true;
        }
        if (httpStatus != 403 || errorBody == null) {
            return false;
        }
        JsonNode error = errorBody.path("error");
        return "invalid_api_key".equals(error.path("code").asText())
                || "authentication_error".equals(error.path("type").asText());
    }

    @Override
    public boolean supportsEmbeddings() {
        return true;
    }

    @Override
    public boolean supportsImages() {
        return true;
    }

    @Override
    public Optional<HttpRequest.Builder> embeddingsRequest(URI baseUrl, String secret, ObjectNode embeddingsRequest) {
        return Optional.of(post(baseUrl, "embeddings", secret, embeddingsRequest));
    }

    @Override
    public ObjectNode toEmbeddingsResponse(JsonNode providerAnswer, String model) {
        return (ObjectNode) providerAnswer;
    }

    @Override
    public Optional<HttpRequest.Builder> imagesRequest(URI baseUrl, String secret, ObjectNode imagesRequest) {
        return Optional.of(post(baseUrl, "images/generations", secret, imagesRequest));
    }

    @Override
    public ObjectNode toImagesResponse(JsonNode providerAnswer) {
        return (ObjectNode) providerAnswer;
    }

    @Override
    public boolean supportsAudio() {
        return true;
    }

    @Override
    public Optional<HttpRequest.Builder> transcriptionRequest(URI baseUrl, String secret, String contentType,
                                                              HttpRequest.BodyPublisher form) {
        return Optional.of(HttpRequest.newBuilder(ProviderUrls.resolve(baseUrl, "audio/transcriptions"))
                .header("Authorization", "Bearer " + secret)
                .header("Content-Type", contentType)
                .POST(form));
    }

    @Override
    public Optional<HttpRequest.Builder> speechRequest(URI baseUrl, String secret, ObjectNode speechRequest) {
        return Optional.of(post(baseUrl, "audio/speech", secret, speechRequest));
    }

    private HttpRequest.Builder post(URI baseUrl, String path, String secret, ObjectNode body) {
        try {
            return HttpRequest.newBuilder(ProviderUrls.resolve(baseUrl, path))
                    .header("Authorization", "Bearer " + secret)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private JsonNode read(String data) {
        try {
            return json.readTree(data);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("the provider sent an unreadable stream chunk", e);
        }
    }

}
