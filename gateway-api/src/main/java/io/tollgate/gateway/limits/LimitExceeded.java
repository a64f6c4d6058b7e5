package io.tollgate.gateway.limits;

import io.tollgate.gateway.errors.GatewayException;
import org.springframework.http.HttpStatus;

/**
 * A request refused by a limit.
 *
 * @param reason the RequestRejected reason: rate_limit_requests, rate_limit_tokens, concurrency_limit,
 *               budget_exhausted
 */
public record LimitExceeded(HttpStatus status, String type, String code, String reason, String message,
                            long retryAfterSeconds) {

    public GatewayException toException() {
        return new GatewayException(status, type, code, message)
                .withHeader("Retry-After", Long.toString(Math.max(1, retryAfterSeconds)));
    }
}
