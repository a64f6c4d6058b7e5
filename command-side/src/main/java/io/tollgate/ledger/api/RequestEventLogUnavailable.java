package io.tollgate.ledger.api;

/**
 * Neither the broker nor PostgreSQL took the events within the bound (or the log is stopped), or a lease could not be
 * tallied completely. For an append the outcome is unknown rather than "not written": the broker may still have
 * stored records it did not acknowledge in time.
 */
public class RequestEventLogUnavailable extends RuntimeException {
    public RequestEventLogUnavailable(String message) {
        super(message);
    }

    public RequestEventLogUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
