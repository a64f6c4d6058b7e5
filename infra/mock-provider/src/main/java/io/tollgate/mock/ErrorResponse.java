package io.tollgate.mock;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/**
 * An error answer already in the provider's own shape. Thrown from deep inside request handling so
 * the handlers read as the happy path; the router writes it out.
 */
@SuppressWarnings("serial") // never serialised: it lives only while one request is answered
final class ErrorResponse extends RuntimeException {
    private final int status;
    private final JsonNode body;
    private final Map<String, String> headers;

    ErrorResponse(int status, JsonNode body) {
        this(status, body, Map.of());
    }

    ErrorResponse(int status, JsonNode body, Map<String, String> headers) {
        // No stack trace: this is an expected answer, not a bug.
        super("HTTP " + status, null, false, false);
        this.status = status;
        this.body = body;
        this.headers = Map.copyOf(headers);
    }

    int status() {
        return status;
    }

    JsonNode body() {
        return body;
    }

    Map<String, String> headers() {
        return headers;
    }
}
