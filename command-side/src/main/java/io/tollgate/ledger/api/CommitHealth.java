package io.tollgate.ledger.api;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether the ledger can commit, as the host's readiness probe reads it: failing from the first batch that
 * could not reach the database until a commit succeeds again. {@link #probe()} tries a transaction of its
 * own, so that an instance nobody sends commands to notices a database that went away, and (when a load
 * balancer took it out of rotation) one that came back.
 */
public interface CommitHealth {

    /** @param since when commits started failing; {@code cause} the latest failure's root, for operators */
    record Failure(Instant since, String cause) {
    }

    /** Time since the last successful commit (or probe). */
    Duration sinceLastCommit();

    /** The current failure, or null while commits succeed. */
    Failure failure();

    /**
     * Tries one empty transaction (taking the pool's connection timeout at most): a commit clears the
     * failure, a failure is recorded. Answers the failure that remains, or null.
     */
    Failure probe();
}
