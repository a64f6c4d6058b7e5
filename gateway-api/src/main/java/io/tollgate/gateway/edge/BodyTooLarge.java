package io.tollgate.gateway.edge;

import java.io.IOException;

/**
 * Thrown by a request body's stream once it has given more than the limit. An IOException, so that whoever reads
 * the body (the JSON parser, the idempotency hash) stops as it would on a broken connection.
 */
final class BodyTooLarge extends IOException {
    private final long limit;

    BodyTooLarge(long limit) {
        super("the request body is larger than " + limit + " bytes");
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }

    /** The BodyTooLarge among a failure's causes, if any. */
    public static BodyTooLarge in(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof BodyTooLarge tooLarge) {
                return tooLarge;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return null;
    }
}
