package io.tollgate.gateway.errors;

import org.springframework.http.HttpStatus;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A failure with the status and error type the caller should see; rendered in the caller's API shape.
 * Messages must never contain a secret.
 */
public class GatewayException extends RuntimeException {
    private final HttpStatus status;
    private final String type;
    private final String code;
    private final Map<String, String> headers = new LinkedHashMap<>();
    /** The ledger's reason for a refusal for lack of credit (ReservationOutcome.INSUFFICIENT_CREDIT). */
    static final String INSUFFICIENT_CREDIT = "insufficient_credit";

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

    /** Adds a response header, such as Retry-After, to the error. */
    public GatewayException withHeader(String name, String value) {
        headers.put(name, value);
        return this;
    }

    /** A refusal that buying credit would cure: the only kind whose body may carry a payment link. */
    public boolean forLackOfCredit() {
        return status == HttpStatus.PAYMENT_REQUIRED && INSUFFICIENT_CREDIT.equals(code);
    }

    public Map<String, String> headers() {
        return headers;
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
