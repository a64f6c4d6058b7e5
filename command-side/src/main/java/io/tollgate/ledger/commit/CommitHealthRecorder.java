package io.tollgate.ledger.commit;

import io.tollgate.ledger.api.CommitHealth;
import io.tollgate.ledger.store.AccountLocks;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;

import java.time.Duration;
import java.time.Instant;

/** The commit workers report every commit and failure here; the host reads it as {@link CommitHealth}. */
class CommitHealthRecorder implements CommitHealth {
    private final PlatformTransactionManager transactions;
    private final AccountLocks locks;
    private volatile Failure failure;
    private volatile long lastCommitNanos = System.nanoTime();

    CommitHealthRecorder(PlatformTransactionManager transactions, AccountLocks locks) {
        this.transactions = transactions;
        this.locks = locks;
    }

    void committed() {
        lastCommitNanos = System.nanoTime();
        if (failure != null) {
            failure = null;
        }
    }

    @Override
    public Duration sinceLastCommit() {
        return Duration.ofNanos(System.nanoTime() - lastCommitNanos);
    }

    void failed(Throwable cause) {
        Failure current = failure;
        failure = new Failure(current == null ? Instant.now() : current.since(), describe(cause));
    }

    @Override
    public Failure failure() {
        return failure;
    }

    @Override
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
