package io.tollgate.gateway.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.providers.wire.SseReader;
import io.tollgate.gateway.providers.wire.StreamEvents;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Optional;

/**
 * Speaks one provider wire family. The gateway's pivot is OpenAI's chat shape: every client format is
 * translated into an OpenAI chat request, and every provider's answer back into an OpenAI completion or
 * OpenAI stream chunks, with usage normalised to OpenAI's usage object ({@code prompt_tokens},
 * {@code completion_tokens}, {@code prompt_tokens_details.cached_tokens},
 * {@code completion_tokens_details.reasoning_tokens}).
 */
public interface ProviderAdapter {

    WireFormat wireFormat();

    /**
     * The upstream chat request, without timeout (the caller sets it).
     *
     * @param chatRequest an OpenAI chat request: {@code model} is the provider's own model name, the output
     *                    limit is set, and {@code stream} says whether to stream
     */
    HttpRequest.Builder chatRequest(URI baseUrl, String secret, ObjectNode chatRequest);

    /** The provider's non-streaming answer as an OpenAI chat completion, usage included when reported. */
    ObjectNode toChatCompletion(JsonNode providerAnswer, String model);

    /** A fresh translator for one stream of this provider's SSE events into OpenAI chunks. */
    ChunkTranslator chunkTranslator(String model);

    /** The events of one streamed answer, as {@link #chunkTranslator} reads them: server-sent events by default. */
    default StreamEvents streamEvents(InputStream body) {
        return new SseReader(body);
    }

    /**
     * What a status means for failover ({@link UpstreamCall#classify}): null for success, else rate_limited,
     * auth, upstream_4xx (the client's mistake, answered once) or upstream_5xx (the next deployment is tried).
     */
    default String classify(int httpStatus) {
        return UpstreamCall.classify(httpStatus);
    }

    /** The human-readable message in one of this provider's error bodies, if there is one. */
    Optional<String> errorMessage(JsonNode providerError);

    /**
     * Whether an answer with this status may be the provider refusing the credential, so that its body is
     * worth reading ({@link #rejectsCredential}); anything else never disables a key.
     */
    default boolean mayRejectCredential(int httpStatus) {
        return httpStatus == 401 || httpStatus == 403;
    }

    /**
     * Whether the provider refused the credential itself (it is wrong, revoked, expired or blocked), as
     * opposed to the request's content (a file it cannot read, a resource it may not use): only the first
     * disables a key and moves on to the next one; the second goes back to the client once.
     * A 401 is always the credential: every family answers it for authentication alone.
     *
     * @param errorBody the error body as JSON, or null when it was not JSON
     */
    default boolean rejectsCredential(int httpStatus, JsonNode errorBody) {
        return httpStatus == 401;
    }

    /** Whether this family has an embeddings API ({@link #embeddingsRequest} answers). */
    default boolean supportsEmbeddings() {
        return false;
    }

    /** Whether this family generates images ({@link #imagesRequest} answers). */
    default boolean supportsImages() {
        return false;
    }

    /**
     * The upstream embeddings request for an OpenAI embeddings request ({@code model} bare), or empty
     * when this family has no embeddings API.
     */
    default Optional<HttpRequest.Builder> embeddingsRequest(URI baseUrl, String secret, ObjectNode embeddingsRequest) {
        return Optional.empty();
    }

    /** The provider's embeddings answer as an OpenAI embeddings response ({@code usage.prompt_tokens} set). */
    default ObjectNode toEmbeddingsResponse(JsonNode providerAnswer, String model) {
        throw new UnsupportedOperationException(wireFormat() + " has no embeddings API");
    }

    /** The upstream image-generation request for an OpenAI images request, or empty when unsupported. */
    default Optional<HttpRequest.Builder> imagesRequest(URI baseUrl, String secret, ObjectNode imagesRequest) {
        return Optional.empty();
    }

    /** The provider's image answer as an OpenAI images response. */
    default ObjectNode toImagesResponse(JsonNode providerAnswer) {
        throw new UnsupportedOperationException(wireFormat() + " has no images API");
    }

    /** Whether this family has OpenAI's audio API ({@link #transcriptionRequest}, {@link #speechRequest}). */
    default boolean supportsAudio() {
        return false;
    }

    /**
     * The upstream transcription request: an OpenAI multipart form, already encoded, or empty when unsupported.
     *
     * @param contentType {@code multipart/form-data; boundary=…} of the form
     */
    default Optional<HttpRequest.Builder> transcriptionRequest(URI baseUrl, String secret, String contentType,
                                                               HttpRequest.BodyPublisher form) {
        return Optional.empty();
    }

    /** The upstream speech request for an OpenAI speech request ({@code model} bare), or empty when unsupported. */
    default Optional<HttpRequest.Builder> speechRequest(URI baseUrl, String secret, ObjectNode speechRequest) {
        return Optional.empty();
    }
}
