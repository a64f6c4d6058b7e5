package io.tollgate.mock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * One provider-API request: its parsed parts, the config in force when it arrived, and the ways to
 * answer it. Every answer waits {@link MockProviderConfig#latencyMs()} before its first byte.
 */
final class ProviderExchange {
    private final HttpExchange exchange;
    private final MockProviderConfig config;
    private final ProviderErrors errors;
    private boolean responseStarted;

    ProviderExchange(HttpExchange exchange, MockProviderConfig config, ProviderErrors errors) {
        this.exchange = exchange;
        this.config = config;
        this.errors = errors;
    }

    MockProviderConfig config() {
        return config;
    }

    ProviderErrors errors() {
        return errors;
    }

    String method() {
        return exchange.getRequestMethod();
    }

    String path() {
        return exchange.getRequestURI().getPath();
    }

    /** The first value of a request header, or null. */
    String header(String name) {
        return exchange.getRequestHeaders().getFirst(name);
    }

    Optional<String> queryParameter(String name) {
        String query = exchange.getRequestURI().getRawQuery();
        if (query == null) {
            return Optional.empty();
        }
        for (String pair : query.split("&")) {
            int equals = pair.indexOf('=');
            String key = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            if (key.equals(name)) {
                return Optional.of(equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        return Optional.empty();
    }

    /** The request body as it came. */
    byte[] readBody() throws IOException {
        return exchange.getRequestBody().readAllBytes();
    }

    /** A whole answer of any content type, with its length. */
    void sendBytes(int status, String contentType, byte[] body) throws IOException, InterruptedException {
        startResponse(status, contentType, Map.of(), body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** The request body as a JSON object; anything else is answered with the provider's 400. */
    ObjectNode readJsonObject() throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        JsonNode parsed;
        try {
            parsed = body.length == 0 ? null : Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw errors.malformedJson();
        }
        if (parsed == null || parsed.isMissingNode()) {
            throw errors.malformedJson();
        }
        if (!(parsed instanceof ObjectNode object)) {
            throw errors.badRequest("The request body must be a JSON object.");
        }
        return object;
    }

    boolean responseStarted() {
        return responseStarted;
    }

    void sendJson(int status, JsonNode body) throws IOException, InterruptedException {
        sendJson(status, body, Map.of());
    }

    void sendJson(int status, JsonNode body, Map<String, String> headers) throws IOException, InterruptedException {
        byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
        startResponse(status, "application/json", headers, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    void sendError(ErrorResponse error) throws IOException, InterruptedException {
        sendJson(error.status(), error.body(), error.headers());
    }

    /** Starts a 200 answer of unknown length; each chunk written to it reaches the client at once. */
    ChunkedBody startStream(String contentType) throws IOException, InterruptedException {
        startResponse(200, contentType, Map.of("Cache-Control", "no-cache"), 0);
        return new ChunkedBody(exchange.getResponseBody(), config.chunkDelayMs());
    }

    /**
     * Simulates a hung upstream: nothing is sent for {@link MockProviderConfig#timeoutHoldMs()}, after
     * which closing the exchange drops the connection without a status line. Ends early when the
     * server shuts down (the thread is interrupted).
     */
    void holdWithoutAnswering() throws InterruptedException {
        Thread.sleep(config.timeoutHoldMs());
    }

    private void startResponse(int status, String contentType, Map<String, String> headers, long length)
            throws IOException, InterruptedException {
        if (config.latencyMs() > 0) {
            Thread.sleep(config.latencyMs());
        }
        exchange.getResponseHeaders().set("Content-Type", contentType);
        headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        responseStarted = true;
        exchange.sendResponseHeaders(status, length);
    }

    /** The body of a streamed answer. */
    static final class ChunkedBody {
        private final OutputStream out;
        private final long delayBetweenChunksMs;
        private boolean anyChunkWritten;

        private ChunkedBody(OutputStream out, long delayBetweenChunksMs) {
            this.out = out;
            this.delayBetweenChunksMs = delayBetweenChunksMs;
        }

        void write(String chunk) throws IOException, InterruptedException {
            if (anyChunkWritten && delayBetweenChunksMs > 0) {
                Thread.sleep(delayBetweenChunksMs);
            }
            out.write(chunk.getBytes(StandardCharsets.UTF_8));
            // Flushing sends the HTTP chunk now, so clients see each event as it is produced.
            out.flush();
            anyChunkWritten = true;
        }
    }
}
