package io.tollgate.views.projection;

import io.tollgate.events.TollgateEvent;
import io.tollgate.events.support.Topics;
import io.tollgate.views.ViewsProperties;
import io.tollgate.views.projection.support.Sql;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Applies polled batches to one schema, one transaction per batch, and keeps each partition's position
 * in that schema's consumer_positions table in the same transaction. The stored position, not Kafka's
 * committed offset, is the truth: a consumer seeks to it on assignment, and before every batch checks
 * that it still is where the consumer believes it is. When it is not, the schema was swapped under the
 * consumer (a replay), and the batch is not applied; the consumer seeks to the stored positions instead.
 *
 * <p>Duplicates (I4): a record before the stored position is never applied again; among the records after
 * it, an event whose id is in its partition's {@link DedupeWindow} (the last ids applied there) or earlier
 * in the batch is a redelivery and changes nothing. The windows learn a batch's ids only once it committed.
 *
 * <p>Poison (I8): a record that cannot be decoded becomes a row of dead_letters in the batch's transaction.
 * When PostgreSQL refuses a batch for its data (a NUL byte in text, an index row over its limit, ...), the
 * batch is split in halves and each applied on its own, down to the one record that fails, which is
 * dead-lettered with the database's reason; everything around it is applied. A batch that fails because
 * the database is unreachable is not split: the caller retries it.
 */
public final class ProjectionRunner {
    private static final Logger log = LoggerFactory.getLogger(ProjectionRunner.class);
    private static final int MAX_REASON = 2_000;

    private final DataSource dataSource;
    private final String schema;
    private final String topic;
    private final EventBatchProjector projector;
    private final LedgerRecords records = new LedgerRecords();
    private final boolean asynchronousCommit;
    private final int windowSize;
    private final Map<TopicPartition, DedupeWindow> windows = new HashMap<>();
    private final AtomicLong deadLetters = new AtomicLong();

    /** Null value: the schema has no row for the partition (it starts at the topic's beginning). */
    public sealed interface Outcome {
        record Applied(List<TollgateEvent> freshEvents, Map<TopicPartition, Long> positions) implements Outcome {
        }

        record Moved(Map<TopicPartition, Long> storedPositions) implements Outcome {
        }
    }

    public ProjectionRunner(DataSource dataSource, String schema, String topic, EventBatchProjector projector) {
        this(dataSource, schema, topic, projector, false, ViewsProperties.DEFAULT_DEDUPE_WINDOW);
    }

    public ProjectionRunner(DataSource dataSource, String schema, String topic, EventBatchProjector projector,
                            int windowSize) {
        this(dataSource, schema, topic, projector, false, windowSize);
    }

    private ProjectionRunner(DataSource dataSource, String schema, String topic, EventBatchProjector projector,
                             boolean asynchronousCommit, int windowSize) {
        this.dataSource = dataSource;
        this.schema = Sql.requireIdentifier(schema);
        this.topic = topic;
        this.projector = projector;
        this.asynchronousCommit = asynchronousCommit;
        this.windowSize = windowSize;
    }

    /**
     * For a rebuild: commits do not wait for the WAL to reach the disk. A crash loses at most the last
     * batches of a schema that is rebuilt from scratch anyway, and the swap's own (synchronous) commit
     * makes everything before it durable, since the WAL is flushed in order.
     */
    public ProjectionRunner withAsynchronousCommit() {
        return new ProjectionRunner(dataSource, schema, topic, projector, true, windowSize);
    }

    public String schema() {
        return schema;
    }

    /** Records dead-lettered by this runner so far. */
    public AtomicLong deadLetters() {
        return deadLetters;
    }

    /** The window of one partition: what was applied there lately. */
    public DedupeWindow window(TopicPartition partition) {
        return windows.computeIfAbsent(partition, p -> new DedupeWindow(windowSize));
    }

    public boolean hasWindow(TopicPartition partition) {
        return windows.containsKey(partition);
    }

    /** Forgets what was applied lately (after a swap or a new assignment the windows are refilled). */
    public void forget(TopicPartition partition) {
        windows.remove(partition);
    }

    /** The event id a record carries in its header, else null. */
    public static UUID headerEventId(ConsumerRecord<String, byte[]> record) {
        Header header = record.headers().lastHeader(Topics.HEADER_EVENT_ID);
        if (header == null || header.value() == null) {
            return null;
        }
        try {
            return UUID.fromString(new String(header.value(), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The stored position of every partition given; null where the schema has none. */
    public Map<TopicPartition, Long> storedPositions(List<TopicPartition> partitions) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return read(connection, partitions, false);
        }
    }

    public Outcome apply(ConsumerRecords<String, byte[]> batch, Map<TopicPartition, Long> believed) throws SQLException {
        List<ConsumerRecord<String, byte[]>> polled = new ArrayList<>(batch.count());
        for (TopicPartition partition : batch.partitions()) {
            polled.addAll(batch.records(partition));
        }
        return apply(polled, believed);
    }

    /**
     * @param believed where the consumer thinks each partition it holds stands (absent or null: no stored
     *                 row); every one of them is checked, not only the batch's, because after a swap a
     *                 partition without new records must be rewound as well. Updated as parts commit.
     */
    public Outcome apply(List<ConsumerRecord<String, byte[]>> polled, Map<TopicPartition, Long> believed)
            throws SQLException {
        if (polled.isEmpty()) {
            return new Outcome.Applied(List.of(), Map.of());
        }
        long t = Phases.start();
        List<LedgerRecords.Decoded> decoded = records.decode(polled);
        Phases.lap("decode", t);
        return applyIsolating(decoded, believed);
    }

    private Outcome applyIsolating(List<LedgerRecords.Decoded> batch, Map<TopicPartition, Long> believed)
            throws SQLException {
        try {
            return applyOnce(batch, believed, null);
        } catch (SQLException | RuntimeException e) {
            if (!refusedForItsData(e)) {
                throw e;
            }
            if (batch.size() == 1) {
                String reason = describe(e);
                log.error("dead-lettering the record at {}-{}@{}: {}", batch.getFirst().record().topic(),
                        batch.getFirst().record().partition(), batch.getFirst().record().offset(), reason);
                return applyOnce(batch, believed, reason);
            }
            int half = batch.size() / 2;
            Outcome first = applyIsolating(batch.subList(0, half), believed);
            if (first instanceof Outcome.Moved) {
                return first;
            }
            Outcome second = applyIsolating(batch.subList(half, batch.size()), believed);
            if (second instanceof Outcome.Moved) {
                return second;
            }
            var a = (Outcome.Applied) first;
            var b = (Outcome.Applied) second;
            List<TollgateEvent> fresh = new ArrayList<>(a.freshEvents());
            fresh.addAll(b.freshEvents());
            Map<TopicPartition, Long> positions = new HashMap<>(a.positions());
            positions.putAll(b.positions());
            return new Outcome.Applied(fresh, positions);
        }
    }

    /**
     * One transaction. {@code deadLetterAll}: the batch is one record the database refused; it is stored
     * as a dead letter with that reason instead of being projected.
     */
    private Outcome applyOnce(List<LedgerRecords.Decoded> batch, Map<TopicPartition, Long> believed,
                              String deadLetterAll) throws SQLException {
        Map<TopicPartition, Long> next = new LinkedHashMap<>();
        for (LedgerRecords.Decoded decoded : batch) {
            ConsumerRecord<String, byte[]> record = decoded.record();
            next.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
        }
        Set<TopicPartition> checked = new HashSet<>(believed.keySet());
        checked.addAll(next.keySet());
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                if (asynchronousCommit) {
                    try (Statement statement = connection.createStatement()) {
                        // A rebuild's tables grow from empty faster than autovacuum analyzes them, and a
                        // planner that still believes them empty scans them whole for every request lookup.
                        statement.execute("set local synchronous_commit = off; set local enable_seqscan = off");
                    }
                }
                // FOR UPDATE: a schema swap locks this table, so it waits for the batch in flight and a new
                // batch waits for the swap; both then see one consistent schema.
                long t = Phases.start();
                Map<TopicPartition, Long> stored = read(connection, new ArrayList<>(checked), true);
                t = Phases.lap("positions read", t);
                if (!agree(stored, believed, checked)) {
                    connection.rollback();
                    return new Outcome.Moved(stored);
                }
                List<TollgateEvent> fresh = new ArrayList<>(batch.size());
                List<TopicPartition> freshFrom = new ArrayList<>(batch.size());
                List<DeadLetter> dead = new ArrayList<>();
                Set<UUID> inBatch = new HashSet<>(batch.size() * 2);
                for (LedgerRecords.Decoded decoded : batch) {
                    ConsumerRecord<String, byte[]> record = decoded.record();
                    if (deadLetterAll != null || decoded.event() == null) {
                        dead.add(new DeadLetter(record, decoded.event(), deadLetterAll != null ? deadLetterAll
                                : decoded.failure()));
                        continue;
                    }
                    TollgateEvent event = decoded.event();
                    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                    if (inBatch.add(event.eventId()) && !window(partition).contains(event.eventId())) {
                        fresh.add(event);
                        freshFrom.add(partition);
                    }
                }
                t = Phases.lap("dedupe", t);
                projector.project(connection, schema, fresh);
                insertDeadLetters(connection, dead);
                t = Phases.lap("project", t);
                writePositions(connection, next);
                t = Phases.lap("positions write", t);
                connection.commit();
                Phases.lap("commit", t);
                projector.committed();
                for (int i = 0; i < fresh.size(); i++) {
                    window(freshFrom.get(i)).add(fresh.get(i).eventId());
                }
                deadLetters.addAndGet(dead.size());
                believed.putAll(next);
                return new Outcome.Applied(fresh, next);
            } catch (SQLException | RuntimeException e) {
                try {
                    connection.rollback();
                } catch (SQLException ignored) {
                    // the connection is gone; the failure below says why
                }
                throw e;
            }
        }
    }

    private record DeadLetter(ConsumerRecord<String, byte[]> record, TollgateEvent event, String reason) {
    }

    private void insertDeadLetters(Connection connection, List<DeadLetter> dead) throws SQLException {
        if (dead.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement("insert into " + schema + ".dead_letters"
                + " (topic, partition, \"offset\", record_key, event_id, event_type, reason, payload)"
                + " values (?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (DeadLetter letter : dead) {
                ConsumerRecord<String, byte[]> record = letter.record();
                UUID eventId = letter.event() != null ? letter.event().eventId() : headerEventId(record);
                Header typeHeader = record.headers().lastHeader(Topics.HEADER_EVENT_TYPE);
                String type = letter.event() != null ? letter.event().getClass().getSimpleName()
                        : typeHeader == null || typeHeader.value() == null ? null
                        : new String(typeHeader.value(), StandardCharsets.UTF_8);
                insert.setString(1, record.topic());
                insert.setInt(2, record.partition());
                insert.setLong(3, record.offset());
                insert.setString(4, printable(record.key(), 500));
                insert.setObject(5, eventId);
                insert.setString(6, printable(type, 200));
                insert.setString(7, printable(letter.reason(), MAX_REASON));
                insert.setBytes(8, record.value());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    /** Text PostgreSQL accepts whatever a record held: no NUL, no lone surrogate, capped. */
    static String printable(String text, int max) {
        if (text == null) {
            return null;
        }
        String capped = text.length() > max ? text.substring(0, max) + "…" : text;
        StringBuilder out = new StringBuilder(capped.length());
        for (int i = 0; i < capped.length(); i++) {
            char c = capped.charAt(i);
            if (c == 0) {
                out.append("\\u0000");
            } else if (Character.isSurrogate(c)) {
                boolean pair = Character.isHighSurrogate(c) && i + 1 < capped.length()
                        && Character.isLowSurrogate(capped.charAt(i + 1));
                if (pair) {
                    out.append(c).append(capped.charAt(++i));
                } else {
                    out.append('\uFFFD');
                }
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * Whether PostgreSQL refused the batch for what is in it: only then can splitting the batch find a
     * record to dead-letter. That is SQLSTATE class 22 (data exception: a NUL in text, a number out of
     * range, …), 23 (integrity constraint) and 54 (program limit: an index row too large), or an exception
     * that is not the database's at all (a view that cannot handle an event). Everything else (no
     * connection, the server shutting down or out of resources, a deadlock, a missing table after an
     * operator dropped the schema, …) is retried whole, never turned into dead letters.
     */
    static boolean refusedForItsData(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                return state.startsWith("22") || state.startsWith("23") || state.startsWith("54");
            }
        }
        return !(failure instanceof SQLException);
    }

    private static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return "refused by the database: " + sql.getSQLState() + " " + sql.getMessage();
            }
        }
        return "cannot be projected: " + (e.getMessage() == null ? e.toString() : e.getMessage());
    }

    /** Bulk projection only: writes what the writers held back, after the last batch, and commits. */
    public void finish() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                projector.finish(connection, schema);
                connection.commit();
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
