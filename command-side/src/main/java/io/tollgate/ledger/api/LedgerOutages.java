package io.tollgate.ledger.api;

import io.tollgate.ledger.api.CreditLeases.LedgerUnavailable;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;

/**
 * Tells an outage (the database or the ledger cannot be reached in time; retrying later helps) from a
 * decision (a refused grant, a conflict, bad input). The one judgement the commit workers, the readiness
 * check and the gateway's 503 answers share.
 */
public final class LedgerOutages {
    private LedgerOutages() {
    }

    /**
     * The database cannot be reached or dropped the connection: the driver's connection-class SQL states
     * (08, 57P: admin shutdown, crash) and Spring's resource and transaction-infrastructure failures.
     */
    public static boolean lostTheDatabase(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof DataAccessResourceFailureException || cause instanceof CannotCreateTransactionException
                    || cause instanceof TransactionSystemException
                    || cause instanceof SQLTransientConnectionException
                    || cause instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (cause instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;
            }
        }
        return false;
    }

    /** Whatever a caller should be told to retry later: a lost database, or a ledger step past its bound. */
    public static boolean isOutage(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof LedgerUnavailable || cause instanceof RequestEventLogUnavailable
                    || cause instanceof QueryTimeoutException || cause instanceof TransientDataAccessResourceException) {
                return true;
            }
        }
        return lostTheDatabase(failure);
    }
}
