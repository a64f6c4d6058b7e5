package io.tollgate.views.projection;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.ReservationReleased;
import io.tollgate.events.TollgateEvent;
import io.tollgate.views.ViewsProperties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.kafka.KafkaProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import javax.sql.DataSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The live projection: one consumer thread that applies each poll of the ledger topic to schema views
 * in one transaction (see {@link ProjectionRunner} for why positions live in the database).
 *
 * <p>Freshness metrics: {@code tollgate.views.consumer.lag} (records published but not yet visible, per
 * partition and summed) and {@code tollgate.views.settle.visible} (from a settlement's occurredAt to the
 * commit that made it readable).
 */
@Component
public class LiveLedgerConsumer implements SmartLifecycle {
    public static final String SCHEMA = "views";
    private static final Logger log = LoggerFactory.getLogger(LiveLedgerConsumer.class);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final ViewsProperties properties;
    private final KafkaProperties kafkaProperties;
    private final ProjectionRunner runner;
    private final Map<String, Object> consumerConfig = new HashMap<>();
    private final Timer settleToVisible;
    private final Map<TopicPartition, Long> lag = new ConcurrentHashMap<>();
    /** Where this consumer believes each assigned partition's stored position is (null: no row yet). */
    private final Map<TopicPartition, Long> believed = new HashMap<>();

    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile Thread thread;
    private volatile boolean running;
    private final CountDownLatch stopped = new CountDownLatch(1);

    @org.springframework.beans.factory.annotation.Autowired
    public LiveLedgerConsumer(ViewsProperties properties, KafkaProperties kafkaProperties, DataSource dataSource,
                              MeterRegistry meters) {
        this(properties, kafkaProperties, dataSource, meters, SCHEMA);
    }

    /** Into another schema than views: for the live benchmark. */
    public LiveLedgerConsumer(ViewsProperties properties, KafkaProperties kafkaProperties, DataSource dataSource,
                              MeterRegistry meters, String schema) {
        this.properties = properties;
        this.kafkaProperties = kafkaProperties;
        this.runner = new ProjectionRunner(dataSource, schema, properties.topic(), EventBatchProjector.allViews(),
                properties.dedupeWindow());
        FunctionCounter.builder("tollgate.views.dead.letters", runner.deadLetters(), java.util.concurrent.atomic.AtomicLong::get)
                .description("ledger records the projection could not apply, stored in views.dead_letters")
                .register(meters);
        this.settleToVisible = Timer.builder("tollgate.views.settle.visible")
                .description("from a settlement (debit or release) to the commit that makes it readable")
                .publishPercentiles(0.5, 0.95, 0.99)
                .register(meters);
        Gauge.builder("tollgate.views.consumer.lag", lag, l -> l.values().stream().mapToLong(v -> Math.max(0, v)).sum())
                .description("ledger records published but not yet projected, all partitions")
                .register(meters);
    }

    @Override
    public void start() {
        Map<String, Object> config = kafkaProperties.buildConsumerProperties(null);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, properties.consumerGroup());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, properties.maxPollRecords());
        // Fewer, fuller batches: every transaction costs about ten round trips whatever its size, so the
        // broker may hold a fetch back up to fetch-max-wait (100 ms) until 256 kB are there. That bounds what
        // it adds to settle-to-visible while cutting the CPU per request at steady load.
        config.putIfAbsent(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 256 * 1024);
        config.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, (int) properties.fetchMaxWait().toMillis());
        consumerConfig.putAll(config);
        consumer = new KafkaConsumer<>(config);
        running = true;
        thread = Thread.ofPlatform().name("views-ledger-consumer").start(this::run);
    }

    private void run() {
        log.info("the views consumer starts on {} (group {})", properties.topic(), properties.consumerGroup());
        try {
            consumer.subscribe(List.of(properties.topic()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    partitions.forEach(believed::remove);
                    partitions.forEach(lag::remove);
                    partitions.forEach(runner::forget);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    seekToStored(new ArrayList<>(partitions));
                }
            });
            while (running) {
                ConsumerRecords<String, byte[]> batch = consumer.poll(Duration.ofMillis(500));
                if (!batch.isEmpty()) {
                    applyOrRetry(batch);
                } else {
                    noticeSwapWhileIdle();
                }
                recordLag();
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (RuntimeException | Error e) {
            log.error("the views consumer stopped", e);
            throw e;
        } finally {
            log.info("the views consumer on {} stopped", properties.topic());
            consumer.close(Duration.ofSeconds(5));
            stopped.countDown();
        }
    }

    private void applyOrRetry(ConsumerRecords<String, byte[]> batch) {
        try {
            switch (runner.apply(batch, believed)) {
                case ProjectionRunner.Outcome.Applied applied -> {
                    if (log.isTraceEnabled()) {
                        log.trace("applied {} records; positions {}; new events {}", batch.count(), applied.positions(),
                                applied.freshEvents().stream().map(e -> e.getClass().getSimpleName() + "@" + e.accountId()).toList());
                    }
                    Instant visible = Instant.now();
                    for (TollgateEvent event : applied.freshEvents()) {
                        if (event instanceof CreditsDebited || event instanceof ReservationReleased) {
                            settleToVisible.record(Duration.between(event.occurredAt(), visible).abs());
                        }
                    }
                    // Only a hint for tools that watch the group; the stored position is what counts.
                    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
                    applied.positions().forEach((partition, next) -> commit.put(partition, new OffsetAndMetadata(next)));
                    consumer.commitAsync(commit, null);
                }
                case ProjectionRunner.Outcome.Moved moved -> {
                    log.info("the views were swapped (replay); continuing from the new schema's positions {}",
                            moved.storedPositions());
                    seekToStored(new ArrayList<>(consumer.assignment()));
                }
            }
        } catch (Exception e) {
            // A view that skips an event is wrong forever: go back to the stored positions and try again
            // until the database is back.
            log.warn("applying a batch of {} records failed; retrying in {}: {}", batch.count(), RETRY_AFTER, e.toString());
            pauseBeforeRetry();
            seekToStored(new ArrayList<>(consumer.assignment()));
        }
    }

    /**
     * A replay may swap the schema while no record arrives; without this, the partitions would stay at the
     * old schema's positions until their next record, and what the old schema had beyond the rebuild's
     * positions would be missing from the views until then.
     */
    private void noticeSwapWhileIdle() {
        if (believed.isEmpty()) {
            return;
        }
        try {
            if (!runner.storedAsBelieved(believed)) {
                log.info("the views were swapped (replay) while idle; continuing from the new schema's positions");
                seekToStored(new ArrayList<>(consumer.assignment()));
            }
        } catch (Exception e) {
            log.warn("cannot read the views' positions: {}", e.toString());
        }
    }

    private void seekToStored(List<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        while (running) {
            try {
                Map<TopicPartition, Long> stored = runner.storedPositions(partitions);
                Map<TopicPartition, Long> beginnings = consumer.beginningOffsets(partitions);
                Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
                Map<TopicPartition, Long> seekTo = new HashMap<>();
                Map<TopicPartition, Long> refill = new HashMap<>();
                for (TopicPartition partition : partitions) {
                    Long position = stored.get(partition);
                    // After a failed batch nothing moved and the window is still right; after a swap or a
                    // new assignment it is rebuilt from the records before the stored position.
                    boolean windowStillRight = runner.hasWindow(partition) && believed.containsKey(partition)
                            && java.util.Objects.equals(believed.get(partition), position);
                    believed.put(partition, position);
                    long beginning = beginnings.get(partition);
                    if (position != null && position > ends.get(partition)) {
                        // Only records that exist were projected, so the topic is not the one the views were
                        // built from (recreated, or a broker's storage wiped while PostgreSQL kept the views).
                        // Its records are new events: project them from its beginning, as Kafka's own reset does.
                        log.warn("the views' position {} on {} is beyond the topic's end {}: the topic was"
                                + " recreated or lost records; projecting it from its beginning ({})",
                                position, partition, ends.get(partition), beginning);
                        seekTo.put(partition, beginning);
                        refill.put(partition, beginning);
                        continue;
                    }
                    seekTo.put(partition, position == null ? beginning : Math.max(position, beginning));
                    if (!windowStillRight) {
                        refill.put(partition, seekTo.get(partition));
                    }
                }
                refillWindows(refill, beginnings);
                seekTo.forEach(consumer::seek);
                return;
            } catch (Exception e) {
                log.warn("cannot read the views' positions; retrying in {}: {}", RETRY_AFTER, e.toString());
                pauseBeforeRetry();
            }
        }
    }

    /**
     * The dedupe windows are refilled with the ids of the last records before each stored position (as
     * many as a window holds), so a duplicate close behind its original is recognised across a restart as
     * it is by an uninterrupted consumer or a replay from offset 0: they are read again from the topic with
     * a consumer of their own, ids from the event-id header (the body only when a record has none).
     */
    private void refillWindows(Map<TopicPartition, Long> seekTo, Map<TopicPartition, Long> beginnings) {
        Map<TopicPartition, Long> from = new HashMap<>();
        for (var entry : seekTo.entrySet()) {
            runner.forget(entry.getKey());
            long start = Math.max(beginnings.get(entry.getKey()), entry.getValue() - properties.dedupeWindow());
            if (start < entry.getValue()) {
                from.put(entry.getKey(), start);
            }
        }
        if (from.isEmpty()) {
            return;
        }
        Map<String, Object> config = new HashMap<>(consumerConfig);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
        LedgerRecords decoder = new LedgerRecords();
        long started = System.nanoTime();
        long read = 0;
        try (KafkaConsumer<String, byte[]> reader = new KafkaConsumer<>(config)) {
            reader.assign(from.keySet());
            from.forEach(reader::seek);
            Map<TopicPartition, Long> remaining = new HashMap<>(seekTo);
            remaining.keySet().retainAll(from.keySet());
            while (!remaining.isEmpty() && running) {
                for (ConsumerRecord<String, byte[]> record : reader.poll(Duration.ofMillis(500))) {
                    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                    Long end = remaining.get(partition);
                    if (end == null || record.offset() >= end) {
                        continue;
                    }
                    read++;
                    java.util.UUID id = ProjectionRunner.headerEventId(record);
                    if (id == null) {
                        var decoded = decoder.decodeOne(record);
                        id = decoded.event() == null ? null : decoded.event().eventId();
                    }
                    DedupeWindow window = runner.window(partition);
                    if (id != null && !window.contains(id)) {
                        window.add(id);
                    }
                }
                remaining.entrySet().removeIf(e -> reader.position(e.getKey()) >= e.getValue());
            }
        }
        log.info("refilled the dedupe windows of {} partitions from {} records in {} ms", from.size(), read,
                (System.nanoTime() - started) / 1_000_000);
    }

    /** Records on the topic not yet projected; never negative (a seek back can leave the fetch's end behind). */
    private void recordLag() {
        for (TopicPartition partition : consumer.assignment()) {
            consumer.currentLag(partition).ifPresent(l -> lag.put(partition, Math.max(0, l)));
        }
    }

    private void pauseBeforeRetry() {
        try {
            Thread.sleep(RETRY_AFTER);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void stop() {
        if (thread == null) {
            return;
        }
        running = false;
        KafkaConsumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        try {
            stopped.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
