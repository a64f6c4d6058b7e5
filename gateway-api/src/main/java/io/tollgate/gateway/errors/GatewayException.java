package io.tollgate.gateway.errors;

import org.springframework.http.HttpStatus;

/**
 * A failure with the status and error type the caller should see; rendered in the caller's API shape.
 * Messages must never contain a secret.
 */
public class GatewayException extends RuntimeException {
    private final HttpStatus status;
    private final String type;
    private final String code;

    public GatewayException(HttpStatus status, String type, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.code = code;
    }

    public static GatewayException badRequest(String message) {
        return new GatewayException(HttpStatus.BAD_REQUEST, "invalid_request_error", null, message);
    }

    public static GatewayException notFound(String code, String message) {
        return new GatewayException(HttpStatus.NOT_FOUND, "invalid_request_error", code, message);
    }

    public HttpStatus status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }
}
