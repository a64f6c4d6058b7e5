package io.tollgate.gateway.idempotency;

import jakarta.servlet.http.HttpServletRequest;

/**
 * How a handler tells the idempotency layer that its request has begun work a retry must not repeat
 * (credit reserved, a provider called). From then on whatever the request answers, success or failure,
 * is its final outcome and every retry with its {@code Idempotency-Key} gets that answer again.
 *
 * <p>A handler that never says so has its 2xx answers kept and its errors forgotten: an error before
 * any side effect lets the client fix the request and send it again with the same key.
 */
public final class IdempotentOutcome {
    private static final String FINAL = IdempotentOutcome.class.getName() + ".final";

    private IdempotentOutcome() {
    }

    public static void markFinal(HttpServletRequest request) {
        request.setAttribute(FINAL, Boolean.TRUE);
    }

    static boolean isFinal(HttpServletRequest request, int status) {
        return request.getAttribute(FINAL) != null || (status >= 200 && status < 300);
    }
}
