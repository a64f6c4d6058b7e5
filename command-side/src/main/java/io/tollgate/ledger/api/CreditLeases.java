package io.tollgate.ledger.api;

import java.time.Duration;
import java.time.Instant;

/**
 * The ledger as a gateway instance meters requests: it takes blocks of an account's credit, extends them
 * while requests are open on them, and gives them back with what their requests cost. Every call waits
 * a bounded time and then throws {@link LedgerUnavailable}.
 */
public interface CreditLeases {

    /** Identifies this instance in the leases it holds. */
    String instanceId();

    LeaseOutcome grant(String accountId, String leaseId, long wantedMicros, long minimumMicros, Duration ttl);

    boolean extend(String accountId, String leaseId, Instant expiresAt);

    /** Answers the micro-credits debited, or -1 when the lease was settled already (e.g. swept as expired). */
    long settle(String accountId, String leaseId, long debitedMicros, long requests);

    /** The ledger did not answer within its bound (PostgreSQL away, or overloaded). */
    final class LedgerUnavailable extends RuntimeException {
        public LedgerUnavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
