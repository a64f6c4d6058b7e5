package io.tollgate.views.replay;

import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Callable;
import io.tollgate.views.projection.EventBatchProjector;
import io.tollgate.views.projection.ProjectionRunner;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import javax.sql.DataSource;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Rebuilds every view from offset 0 of the ledger topic into a fresh schema, without a consumer group:
 * it reads each partition from its beginning up to the end offsets it found when it started, and stores
 * where it stopped in the schema's consumer_positions, so that once swapped in, the live consumer goes
 * on from exactly there.
 *
 * <p>Partitions are applied by parallel writer lanes (partition modulo lanes), each with its own
 * connection and transactions. That is safe because everything a view holds is keyed by account (or by
 * event or request, which belong to one account) and an account's events are all on one partition, so
 * two lanes never touch the same row; and each lane keeps its partitions in log order. The polling
 * thread only fetches and hands batches on, so fetching overlaps decoding and writing.
 */
public final class ViewsReplay {
    private static final int QUEUED_BATCHES_PER_LANE = 8;
    private static final int TRANSACTION_RECORDS = 50_000;
    private static final int INDEX_BUILDERS = 2;
    /** Tables written with "on conflict": their primary keys must exist while loading. */
    private static final Set<String> UPSERTED_TABLES = Set.of("accounts", "requests", "usage_hourly", "consumer_positions", "leases", "dead_letters");

    private final DataSource dataSource;
    private final String bootstrapServers;
    private final String topic;
    private final int maxPollRecords;
    private final int lanes;
    private int dedupeWindow = io.tollgate.views.ViewsProperties.DEFAULT_DEDUPE_WINDOW;

    public record Result(long records, long freshEvents, Duration took) {
        public double recordsPerSecond() {
            return records / Math.max(1e-9, took.toNanos() / 1e9);
        }
    }

    public ViewsReplay(DataSource dataSource, String bootstrapServers, String topic, int maxPollRecords) {
        this(dataSource, bootstrapServers, topic, maxPollRecords, 2);
    }

    /** @param lanes parallel writers; more than the database's cores buys nothing */
    public ViewsReplay(DataSource dataSource, String bootstrapServers, String topic, int maxPollRecords, int lanes) {
        this.dataSource = dataSource;
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.maxPollRecords = maxPollRecords;
        this.lanes = Math.max(1, lanes);
    }

    /** Must be the live consumer's tollgate.views.dedupe-window for the two to agree row for row. */
    public ViewsReplay withDedupeWindow(int window) {
        this.dedupeWindow = window;
        return this;
    }

    /** Drops and re-creates {@code schema}, then fills it; the schema is not swapped in. */
    public Result rebuild(String schema, Progress progress) throws SQLException {
        ViewsSchemas.recreate(dataSource, schema);
        // A bulk load: indexes are built once at the end rather than maintained row by row. Each lane dedupes
        // with the same per-partition window as the live consumer (it sees each partition from offset 0).
        List<String> indexes = ViewsSchemas.dropIndexesExcept(dataSource, schema, UPSERTED_TABLES);
        ProjectionRunner positions = new ProjectionRunner(dataSource, schema, topic, EventBatchProjector.allViews());
        long started = System.nanoTime();
        AtomicLong applied = new AtomicLong();
        AtomicLong fresh = new AtomicLong();
        try (KafkaConsumer<String, byte[]> consumer = consumer(bootstrapServers, maxPollRecords)) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            Map<TopicPartition, Long> beginnings = consumer.beginningOffsets(partitions);
            long total = partitions.stream().mapToLong(p -> ends.get(p) - beginnings.get(p)).sum();
            Progress bar = progress == null ? Progress.silent() : progress.withTotal(total);

            int laneCount = Math.min(lanes, partitions.size());
            List<Lane> writers = new ArrayList<>();
            ExecutorService executor = Executors.newFixedThreadPool(laneCount, r -> Thread.ofPlatform().name("replay-writer").unstarted(r));
            List<Future<?>> running = new ArrayList<>();
            try {
                for (int i = 0; i < laneCount; i++) {
                    Lane lane = new Lane(new ProjectionRunner(dataSource, schema, topic,
                            EventBatchProjector.bulk(), dedupeWindow).withAsynchronousCommit(),
                            schema, applied, fresh);
                    writers.add(lane);
                    running.add(executor.submit(lane));
                }
                while (!reached(consumer, partitions, ends)) {
                    ConsumerRecords<String, byte[]> batch = consumer.poll(Duration.ofMillis(500));
                    Map<Integer, Map<TopicPartition, List<ConsumerRecord<String, byte[]>>>> byLane = new HashMap<>();
                    for (TopicPartition partition : batch.partitions()) {
                        byLane.computeIfAbsent(partition.partition() % laneCount, l -> new HashMap<>())
                                .put(partition, batch.records(partition));
                    }
                    for (var share : byLane.entrySet()) {
                        writers.get(share.getKey()).hand(new ConsumerRecords<>(share.getValue()), running.get(share.getKey()));
                    }
                    bar.update(applied.get());
                }
                for (int i = 0; i < laneCount; i++) {
                    writers.get(i).hand(Lane.END, running.get(i));
                }
                for (Future<?> lane : running) {
                    while (!lane.isDone()) {
                        bar.update(applied.get());
                        try {
                            lane.get(250, TimeUnit.MILLISECONDS);
                        } catch (TimeoutException stillWriting) {
                            // redraw the bar and wait on
                        }
                    }
                    lane.get();
                }
            } catch (ExecutionException e) {
                throw failure(e, "replay failed");
            } catch (InterruptedException e) {
                throw interrupted(e);
            } finally {
                executor.shutdownNow();
            }
            bar.finish(applied.get());
            // Every partition gets a position, also those without records (or only unreadable ones), so the
            // live consumer never reads a partition of the rebuilt schema from the beginning again.
            positions.writePositions(ends(consumer, partitions));
            buildIndexes(indexes);
        }
        return new Result(applied.get(), fresh.get(), Duration.ofNanos(System.nanoTime() - started));
    }

    /**
     * Re-creates the indexes dropped for the load, {@link #INDEX_BUILDERS} at a time: each is a sort that
     * keeps one database core busy, and built one after another they took about a tenth of a replay.
     */
    private void buildIndexes(List<String> indexes) throws SQLException {
        if (indexes.isEmpty()) {
            return;
        }
        ExecutorService builders = Executors.newFixedThreadPool(Math.min(INDEX_BUILDERS, indexes.size()),
                r -> Thread.ofPlatform().name("replay-index").unstarted(r));
        try {
            List<Future<Void>> builds = new ArrayList<>();
            for (String index : indexes) {
                builds.add(builders.submit(() -> {
                    ViewsSchemas.buildIndex(dataSource, index);
                    return null;
                }));
            }
            for (Future<Void> build : builds) {
                build.get();
            }
        } catch (ExecutionException e) {
            throw failure(e, "building an index failed");
        } catch (InterruptedException e) {
            throw interrupted(e);
        } finally {
            builders.shutdownNow();
        }
    }

    /** A task's SQLException as itself (the CLI reports it as the database's); anything else wrapped. */
    private static IllegalStateException failure(ExecutionException e, String what) throws SQLException {
        if (e.getCause() instanceof SQLException sql) {
            throw sql;
        }
        return new IllegalStateException(what, e.getCause());
    }

    private static IllegalStateException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new IllegalStateException("replay interrupted", e);
    }

    /** One writer: applies the batches of its partitions in the order they were polled. */
    private static final class Lane implements Callable<Void> {
        static final ConsumerRecords<String, byte[]> END = new ConsumerRecords<>(Map.of());

        private final BlockingQueue<ConsumerRecords<String, byte[]>> queue = new ArrayBlockingQueue<>(QUEUED_BATCHES_PER_LANE);
        private final Map<TopicPartition, Long> believed = new HashMap<>();
        private final ProjectionRunner runner;
        private final String schema;
        private final AtomicLong applied;
        private final AtomicLong fresh;

        Lane(ProjectionRunner runner, String schema, AtomicLong applied, AtomicLong fresh) {
            this.runner = runner;
            this.schema = schema;
            this.applied = applied;
            this.fresh = fresh;
        }

        /** Blocks while the lane is behind; gives up when the lane failed (its error surfaces from get()). */
        void hand(ConsumerRecords<String, byte[]> batch, Future<?> self) throws InterruptedException, ExecutionException {
            while (!queue.offer(batch, 100, TimeUnit.MILLISECONDS)) {
                if (self.isDone()) {
                    self.get();
                    throw new IllegalStateException("a replay writer stopped");
                }
            }
        }

        @Override
        public Void call() throws Exception {
            boolean end = false;
            while (!end) {
                // One transaction for whatever polls are waiting, up to TRANSACTION_RECORDS: each transaction
                // costs about ten round trips, and on a busy machine a round trip costs far more than a row.
                List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>();
                ConsumerRecords<String, byte[]> next = queue.take();
                while (true) {
                    if (next == END) {
                        end = true;
                        break;
                    }
                    for (TopicPartition partition : next.partitions()) {
                        batch.addAll(next.records(partition));
                    }
                    if (batch.size() >= TRANSACTION_RECORDS || (next = queue.poll()) == null) {
                        break;
                    }
                }
                if (!batch.isEmpty()) {
                    apply(batch);
                }
            }
            runner.finish();
            return null;
        }

        private void apply(List<ConsumerRecord<String, byte[]>> batch) throws java.sql.SQLException {
            {
                switch (runner.apply(batch, believed)) {
                    case ProjectionRunner.Outcome.Applied done -> {
                        believed.putAll(done.positions());
                        fresh.addAndGet(done.freshEvents().size());
                    }
                    case ProjectionRunner.Outcome.Moved moved ->
                            throw new IllegalStateException("another process writes into " + schema + "; stopping");
                }
                applied.addAndGet(batch.size());
            }
        }
    }

    private static Map<TopicPartition, Long> ends(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions) {
        Map<TopicPartition, Long> reached = new HashMap<>();
        for (TopicPartition partition : partitions) {
            reached.put(partition, consumer.position(partition));
        }
        return reached;
    }

    private static boolean reached(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions,
                                   Map<TopicPartition, Long> ends) {
        for (TopicPartition partition : partitions) {
            if (consumer.position(partition) < ends.get(partition)) {
                return false;
            }
        }
        return true;
    }

    static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist");
        }
        return infos.stream().map(info -> new TopicPartition(topic, info.partition())).toList();
    }

    static KafkaConsumer<String, byte[]> consumer(String bootstrapServers, int maxPollRecords) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords,
                // Large fetches: a replay reads the whole log as fast as it can.
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024,
                ConsumerConfig.RECEIVE_BUFFER_CONFIG, 4 * 1024 * 1024));
    }
}
