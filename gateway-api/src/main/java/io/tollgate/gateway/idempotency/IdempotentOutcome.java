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
    private static final String BEFORE_CHARGING = IdempotentOutcome.class.getName() + ".beforeCharging";

    private IdempotentOutcome() {
    }

    /**
     * Called just before the request holds credit: a request with an {@code Idempotency-Key} notes it on
     * its key first, so that a retry never runs it again once it may have been billed. Throws (a 503 in
     * the caller's shape, nothing held yet) when that cannot be noted.
     */
    public static void beforeCharging(HttpServletRequest request) {
        if (request.getAttribute(BEFORE_CHARGING) instanceof Runnable note) {
            request.removeAttribute(BEFORE_CHARGING);
            note.run();
        }
    }

    public static void markFinal(HttpServletRequest request) {
        request.setAttribute(FINAL, Boolean.TRUE);
    }

    static void onCharging(HttpServletRequest request, Runnable note) {
        request.setAttribute(BEFORE_CHARGING, note);
    }

    static boolean isFinal(HttpServletRequest request, int status) {
        return request.getAttribute(FINAL) != null || (status >= 200 && status < 300);
    }
}
