package io.tollgate.views.projection;

import io.tollgate.events.TollgateEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Applies polled batches to one schema, one transaction per batch, and keeps each partition's position
 * in that schema's consumer_positions table in the same transaction. The stored position, not Kafka's
 * committed offset, is the truth: a consumer seeks to it on assignment, and before every batch checks
 * that it still is where the consumer believes it is. When it is not, the schema was swapped under the
 * consumer (a replay), and the batch is not applied; the consumer seeks to the stored positions instead.
 */
public final class ProjectionRunner {
    private final DataSource dataSource;
    private final String schema;
    private final String topic;
    private final EventBatchProjector projector;
    private final LedgerRecords records = new LedgerRecords();
    private final boolean asynchronousCommit;

    /** Null value: the schema has no row for the partition (it starts at the topic's beginning). */
    public sealed interface Outcome {
        record Applied(List<TollgateEvent> freshEvents, Map<TopicPartition, Long> positions) implements Outcome {
        }

        record Moved(Map<TopicPartition, Long> storedPositions) implements Outcome {
        }
    }

    public ProjectionRunner(DataSource dataSource, String schema, String topic, EventBatchProjector projector) {
        this(dataSource, schema, topic, projector, false);
    }

    private ProjectionRunner(DataSource dataSource, String schema, String topic, EventBatchProjector projector,
                             boolean asynchronousCommit) {
        this.dataSource = dataSource;
        this.schema = Sql.requireIdentifier(schema);
        this.topic = topic;
        this.projector = projector;
        this.asynchronousCommit = asynchronousCommit;
    }

    /**
     * For a rebuild: commits do not wait for the WAL to reach the disk. A crash loses at most the last
     * batches of a schema that is rebuilt from scratch anyway, and the swap's own (synchronous) commit
     * makes everything before it durable, since the WAL is flushed in order.
     */
    public ProjectionRunner withAsynchronousCommit() {
        return new ProjectionRunner(dataSource, schema, topic, projector, true);
    }

    public String schema() {
        return schema;
    }

    /** The stored position of every partition given; null where the schema has none. */
    public Map<TopicPartition, Long> storedPositions(List<TopicPartition> partitions) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return read(connection, partitions, false);
        }
    }

    /**
     * @param believed where the consumer thinks each partition it holds stands (absent or null: no stored
     *                 row); every one of them is checked, not only the batch's, because after a swap a
     *                 partition without new records must be rewound as well
     */
    public Outcome apply(ConsumerRecords<String, byte[]> batch, Map<TopicPartition, Long> believed) throws SQLException {
        List<TopicPartition> partitions = new ArrayList<>(batch.partitions());
        Set<TopicPartition> checked = new HashSet<>(believed.keySet());
        checked.addAll(partitions);
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                if (asynchronousCommit) {
                    try (var statement = connection.createStatement()) {
                        statement.execute("set local synchronous_commit = off");
                    }
                }
                // FOR UPDATE: a schema swap locks this table, so it waits for the batch in flight and a new
                // batch waits for the swap; both then see one consistent schema.
                Map<TopicPartition, Long> stored = read(connection, new ArrayList<>(checked), true);
                if (!agree(stored, believed, checked)) {
                    connection.rollback();
                    return new Outcome.Moved(stored);
                }
                List<ConsumerRecord<String, byte[]>> polled = new ArrayList<>(batch.count());
                Map<TopicPartition, Long> next = new HashMap<>();
                for (TopicPartition partition : partitions) {
                    List<ConsumerRecord<String, byte[]>> ofPartition = batch.records(partition);
                    polled.addAll(ofPartition);
                    next.put(partition, ofPartition.getLast().offset() + 1);
                }
                List<TollgateEvent> fresh = projector.project(connection, schema, records.decode(polled));
                writePositions(connection, next);
                connection.commit();
                return new Outcome.Applied(fresh, next);
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    /** Whether the stored positions are where the consumer believes them; false after a swap. */
    public boolean storedAsBelieved(Map<TopicPartition, Long> believed) throws SQLException {
        return agree(storedPositions(new ArrayList<>(believed.keySet())), believed, believed.keySet());
    }

    private static boolean agree(Map<TopicPartition, Long> stored, Map<TopicPartition, Long> believed,
                                 Set<TopicPartition> partitions) {
        for (TopicPartition partition : partitions) {
            if (!Objects.equals(stored.get(partition), believed.get(partition))) {
                return false;
            }
        }
        return true;
    }

    /** Sets positions outright, e.g. the end offsets of partitions a replay found empty. */
    public void writePositions(Map<TopicPartition, Long> positions) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            writePositions(connection, positions);
        }
    }

    private Map<TopicPartition, Long> read(Connection connection, List<TopicPartition> partitions, boolean lock)
            throws SQLException {
        Map<TopicPartition, Long> stored = new HashMap<>();
        try (PreparedStatement select = connection.prepareStatement("select partition, next_offset from " + schema
                + ".consumer_positions where topic = ? and partition = any(?)" + (lock ? " for update" : ""))) {
            select.setString(1, topic);
            select.setArray(2, Sql.ints(connection, partitions.stream().map(TopicPartition::partition).toList()));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    stored.put(new TopicPartition(topic, rows.getInt(1)), rows.getLong(2));
                }
            }
        }
        return stored;
    }

    private void writePositions(Connection connection, Map<TopicPartition, Long> positions) throws SQLException {
        try (PreparedStatement upsert = connection.prepareStatement("insert into " + schema
                + ".consumer_positions (topic, partition, next_offset) values (?, ?, ?)"
                + " on conflict (topic, partition) do update set next_offset = excluded.next_offset")) {
            for (var position : positions.entrySet()) {
                upsert.setString(1, topic);
                upsert.setInt(2, position.getKey().partition());
                upsert.setLong(3, position.getValue());
                upsert.addBatch();
            }
            upsert.executeBatch();
        }
    }
}
