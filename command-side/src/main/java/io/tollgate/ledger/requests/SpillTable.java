package io.tollgate.ledger.requests;

import javax.sql.DataSource;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * {@code ledger.request_event_spill}: request events the broker did not take in time, in the order they were spilled
 * ({@code seq}). Plain JDBC on connections of its own, never one bound to a caller's transaction.
 */
final class SpillTable {
    static final String TABLE = "ledger.request_event_spill";
    static final String DEAD_LETTERS = "ledger.dead_letters";
    /** Two-part key, a key space of its own (accounts lock one-part keys, the expiry sweep another pair). */
    private static final String TRY_DRAIN_LOCK =
            "select pg_try_advisory_xact_lock(hashtext('tollgate.ledger'), hashtext('request-spill-drain'))";

    private final DataSource dataSource;
    private final int queryTimeoutSeconds;

    public SpillTable(DataSource dataSource, Duration queryTimeout) {
        this.dataSource = dataSource;
        this.queryTimeoutSeconds = (int) Math.max(1, (queryTimeout.toMillis() + 999) / 1000);
    }

    record Row(long seq, String topic, EncodedEvent event) {
    }

    /** Appends the events in list order, in one transaction: their sequence numbers follow that order. */
    void insert(String instanceId, String topic, List<EncodedEvent> events) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement insert = connection.prepareStatement("insert into " + TABLE
                    + " (instance_id, topic, account_id, lease_id, event_id, event_type, schema_version, payload)"
                    + " values (?, ?, ?, ?, ?, ?, ?, ?)")) {
                insert.setQueryTimeout(queryTimeoutSeconds);
                for (EncodedEvent event : events) {
                    insert.setString(1, instanceId);
                    insert.setString(2, topic);
                    bindEvent(insert, 3, event);
                    insert.addBatch();
                }
                insert.executeBatch();
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(connection);
                throw e;
            }
        }
    }

    /** A row the broker refused for its content: it can never be published. */
    record Rejected(Row row, String reason) {
    }

    /**
     * @param settled  how many of the oldest rows are done with: acknowledged by the broker or among {@code rejected}
     * @param rejected rows refused for their content
     */
    record Published(int settled, List<Rejected> rejected) {
    }

    interface Publisher {
        /**
         * Returns only when every row is acknowledged by the broker or refused for its content (those it returns);
         * throws otherwise.
         */
        Published publish(List<Row> rows) throws Exception;
    }

    /**
     * One drain step: under the drain lock (one drainer in the whole cluster, so that the topic receives the rows in
     * sequence order), the oldest rows are published and then deleted, in one transaction; rows the broker refused
     * for their content move to the dead letters in the same transaction.
     *
     * @return the rows settled (published or dead-lettered) and deleted, or -1 when another instance holds the lock
     */
    int drainOldest(int limit, Publisher publisher) throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                if (!tryDrainLock(connection)) {
                    return -1;
                }
                List<Row> rows = oldest(connection, limit);
                if (rows.isEmpty()) {
                    return 0;
                }
                Published published = publisher.publish(rows);
                insertDeadLetters(connection, "request-spill", published.rejected().stream()
                        .map(r -> new DeadLetter(r.row().topic(), r.row().event(), r.reason())).toList());
                List<Row> settled = rows.subList(0, published.settled());
                try (PreparedStatement delete = connection.prepareStatement(
                        "delete from " + TABLE + " where seq = any(?)")) {
                    delete.setQueryTimeout(queryTimeoutSeconds);
                    Long[] seqs = settled.stream().map(Row::seq).toArray(Long[]::new);
                    Array array = connection.createArrayOf("bigint", seqs);
                    delete.setArray(1, array);
                    delete.executeUpdate();
                }
                connection.commit();
                return settled.size();
            } finally {
                rollbackQuietly(connection); // no-op after a commit; ends the transaction, and the lock, otherwise
            }
        }
    }

    record DeadLetter(String topic, EncodedEvent event, String reason) {
    }

    /** Records events that can never be published, in a transaction of their own. */
    void deadLetter(String source, List<DeadLetter> letters) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                insertDeadLetters(connection, source, letters);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(connection);
                throw e;
            }
        }
    }

    private void insertDeadLetters(Connection connection, String source, List<DeadLetter> letters) throws SQLException {
        if (letters.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement("insert into " + DEAD_LETTERS
                + " (source, topic, account_id, lease_id, event_id, event_type, schema_version, payload, reason)"
                + " values (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            insert.setQueryTimeout(queryTimeoutSeconds);
            for (DeadLetter letter : letters) {
                EncodedEvent event = letter.event();
                insert.setString(1, source);
                insert.setString(2, letter.topic());
                bindEvent(insert, 3, event);
                insert.setString(9, letter.reason());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    /** The event's six columns (account, lease, id, type, schema version, payload) from {@code first} on. */
    private static void bindEvent(PreparedStatement insert, int first, EncodedEvent event) throws SQLException {
        insert.setString(first, event.accountId());
        insert.setString(first + 1, event.leaseId());
        insert.setObject(first + 2, event.eventId());
        insert.setString(first + 3, event.type());
        insert.setInt(first + 4, event.schemaVersion());
        insert.setBytes(first + 5, event.payload());
    }

    /** Dead letters recorded so far (of every source). */
    long deadLetterCount() throws SQLException {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(queryTimeoutSeconds);
            try (ResultSet result = statement.executeQuery("select count(*) from " + DEAD_LETTERS)) {
                result.next();
                return result.getLong(1);
            }
        }
    }

    private boolean tryDrainLock(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(queryTimeoutSeconds);
            try (ResultSet result = statement.executeQuery(TRY_DRAIN_LOCK)) {
                result.next();
                return result.getBoolean(1);
            }
        }
    }

    private List<Row> oldest(Connection connection, int limit) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("select seq, topic, account_id, lease_id, event_id,"
                + " event_type, schema_version, payload from " + TABLE + " order by seq limit ?")) {
            select.setQueryTimeout(queryTimeoutSeconds);
            select.setInt(1, limit);
            return rows(select);
        }
    }

    /** The rows of one lease with one event type, in sequence order (for a tally). */
    List<Row> ofLease(String topic, String leaseId, String eventType) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("select seq, topic, account_id, lease_id, event_id,"
                     + " event_type, schema_version, payload from " + TABLE
                     + " where lease_id = ? and event_type = ? and topic = ? order by seq")) {
            select.setQueryTimeout(queryTimeoutSeconds);
            select.setString(1, leaseId);
            select.setString(2, eventType);
            select.setString(3, topic);
            return rows(select);
        }
    }

    boolean hasRowsOf(String instanceId) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement(
                     "select exists (select 1 from " + TABLE + " where instance_id = ?)")) {
            select.setQueryTimeout(queryTimeoutSeconds);
            select.setString(1, instanceId);
            try (ResultSet result = select.executeQuery()) {
                result.next();
                return result.getBoolean(1);
            }
        }
    }

    /** Rows this instance spilled that are still waiting, counted up to a limit. */
    long countOf(String instanceId, int limit) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("select count(*) from (select 1 from " + TABLE
                     + " where instance_id = ? limit ?) s")) {
            select.setQueryTimeout(queryTimeoutSeconds);
            select.setString(1, instanceId);
            select.setInt(2, limit);
            try (ResultSet result = select.executeQuery()) {
                result.next();
                return result.getLong(1);
            }
        }
    }

    /** Rows waiting to be republished, of every instance. */
    long count() throws SQLException {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(queryTimeoutSeconds);
            try (ResultSet result = statement.executeQuery("select count(*) from " + TABLE)) {
                result.next();
                return result.getLong(1);
            }
        }
    }

    private static List<Row> rows(PreparedStatement select) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (ResultSet result = select.executeQuery()) {
            while (result.next()) {
                rows.add(new Row(result.getLong(1), result.getString(2), new EncodedEvent(result.getString(3),
                        result.getString(4), result.getObject(5, UUID.class), result.getString(6), result.getInt(7),
                        result.getBytes(8))));
            }
        }
        return rows;
    }

    private static void rollbackQuietly(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; closing it ends the transaction
        }
    }
}
