package io.tollgate.gateway.limits;

import io.tollgate.events.RefusalReason;
import io.tollgate.gateway.errors.GatewayException;
import org.springframework.http.HttpStatus;

/**
 * A request refused by a limit.
 *
 * @param reason the RequestRejected reason: rate_limit_requests, rate_limit_tokens, concurrency_limit,
 *               budget_exhausted
 */
record LimitExceeded(RefusalReason reason, String type, String code, String message,
                            long retryAfterSeconds) {

    public GatewayException toException() {
        return new GatewayException(HttpStatus.valueOf(reason.httpStatus()), type, code, message)
                .withHeader("Retry-After", Long.toString(Math.max(1, retryAfterSeconds)));
    }
}
