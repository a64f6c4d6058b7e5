package io.tollgate.ledger.commit;

import io.tollgate.ledger.store.AccountLocks;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;

import java.time.Instant;

/**
 * Whether the ledger can commit: failing from the first batch that could not reach the database until
 * a commit succeeds again. {@link #probe()} tries a transaction of its own, so that an instance nobody
 * sends commands to notices a database that went away, and (when a load balancer took it out of
 * rotation) one that came back.
 */
public class CommitHealth {
    private final PlatformTransactionManager transactions;
    private final AccountLocks locks;
    private volatile Failure failure;
    private volatile long lastCommitNanos = System.nanoTime();

    /** @param since when commits started failing; {@code cause} the latest failure's root, for operators */
    public record Failure(Instant since, String cause) {
    }

    public CommitHealth(PlatformTransactionManager transactions, AccountLocks locks) {
        this.transactions = transactions;
        this.locks = locks;
    }

    void committed() {
        lastCommitNanos = System.nanoTime();
        if (failure != null) {
            failure = null;
        }
    }

    /** Time since the last successful commit (or probe). */
    public java.time.Duration sinceLastCommit() {
        return java.time.Duration.ofNanos(System.nanoTime() - lastCommitNanos);
    }

    void failed(Throwable cause) {
        Failure current = failure;
        failure = new Failure(current == null ? Instant.now() : current.since(), describe(cause));
    }

    /** The current failure, or null while commits succeed. */
    public Failure failure() {
        return failure;
    }

    /**
     * Tries one empty transaction (taking the pool's connection timeout at most): a commit clears the
     * failure, a failure is recorded. Answers the failure that remains, or null.
     */
    public Failure probe() {
        TransactionStatus transaction = null;
        try {
            transaction = transactions.getTransaction(TransactionDefinition.withDefaults());
            locks.verifyTransactionIntact();
            transactions.commit(transaction);
            committed();
        } catch (RuntimeException stillFailing) {
            if (transaction != null && !transaction.isCompleted()) {
                try {
                    transactions.rollback(transaction);
                } catch (RuntimeException | AssertionError ignored) {
                    // The connection is gone; the pool drops it.
                }
            }
            failed(stillFailing);
        }
        return failure;
    }

    private static String describe(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName();
    }
}
