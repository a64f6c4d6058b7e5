package io.tollgate.ledger.expiry;

import org.springframework.dao.DataAccessResourceFailureException;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Lets one gateway instance sweep at a time. The lock is PostgreSQL's transaction-scoped advisory
 * lock, held by an otherwise idle transaction on a connection of its own while the sweep runs. It ends
 * with that transaction, so neither a failed unlock nor a connection returned to the pool can keep it,
 * and a dead instance's lock goes with its connection. The transaction reads and writes nothing (the
 * sweep's commands commit in their own), so it holds back no vacuum and locks no rows.
 * <p>
 * The lock has a two-part key, a key space of its own: it cannot collide with the accounts' one-part
 * keys ({@link io.tollgate.ledger.store.AccountLocks}).
 */
final class SweepLock {
    static final String TRY_LOCK = "select pg_try_advisory_xact_lock(hashtext('tollgate.ledger'), hashtext('expiry-sweep'))";

    private final DataSource dataSource;

    SweepLock(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Runs the work while holding the lock; empty, without running it, when another instance holds it. */
    <T> Optional<T> runIfFree(Supplier<T> work) {
        // A connection of its own rather than Spring's thread-bound one: a command dispatched on this
        // thread must never join the lock's transaction.
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                return tryLock(connection) ? Optional.of(work.get()) : Optional.empty();
            } finally {
                connection.rollback(); // ends the transaction, and with it the lock
            }
        } catch (SQLException e) {
            throw new DataAccessResourceFailureException("could not take or release the expiry sweep lock", e);
        }
    }

    private static boolean tryLock(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(TRY_LOCK)) {
            result.next();
            return result.getBoolean(1);
        }
    }
}
