package io.tollgate.gateway.errors;

import io.tollgate.ledger.api.LedgerOutages;
import org.springframework.http.HttpStatus;

/**
 * The one place that turns "the ledger or its database is unavailable, or did not answer in time" into
 * the caller's answer: 503 with Retry-After, in the shape of the API that was called. The controller
 * advice asks it about what controllers throw, {@link OutageFilter} about what filters throw.
 */
public final class Outages {
    /** Seconds a client is asked to wait before retrying: recovery is bounded at a few seconds. */
    public static final String RETRY_AFTER_SECONDS = "1";

    private Outages() {
    }

    /** The 503 to answer, or null when the failure is not an outage. */
    public static GatewayException answerFor(Throwable failure) {
        if (!LedgerOutages.isOutage(failure) && !isKafkaTimeout(failure)) {
            return null;
        }
        return new GatewayException(HttpStatus.SERVICE_UNAVAILABLE, "server_error", "ledger_unavailable",
                "Tollgate's ledger is unavailable right now; retry shortly.")
                .withHeader("Retry-After", RETRY_AFTER_SECONDS);
    }

    private static boolean isKafkaTimeout(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
                return true;
            }
        }
        return false;
    }
}
