package io.tollgate.views.replay;

import io.tollgate.events.codec.EventCodec;
import io.tollgate.events.codec.EventType;
import io.tollgate.events.support.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import javax.sql.DataSource;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The replay benchmark: publishes a generated ledger to a fresh topic, then, three times each, (a) reads
 * the topic raw (the baseline: what Kafka alone delivers to one consumer on this machine) and (b) replays
 * it into a fresh schema with every view; reports the median of each. The topic and schema go afterwards.
 */
public final class ReplayBenchmark {
    private static final String SCHEMA = "views_bench";
    private static final int RUNS = 3;

    private final DataSource dataSource;
    private final String bootstrapServers;
    private final PrintStream out;

    public ReplayBenchmark(DataSource dataSource, String bootstrapServers, PrintStream out) {
        this.dataSource = dataSource;
        this.bootstrapServers = bootstrapServers;
        this.out = out;
    }

    public void run(long events, int accounts, int partitions, int maxPollRecords, int writers) throws Exception {
        String topic = "tollgate.bench.replay." + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
            try {
                long published = publish(topic, events, accounts);
                List<Double> raw = new ArrayList<>();
                List<Double> replay = new ArrayList<>();
                for (int run = 1; run <= RUNS; run++) {
                    double rawRate = consumeRaw(topic);
                    raw.add(rawRate);
                    ViewsReplay.Result result = new ViewsReplay(dataSource, bootstrapServers, topic, maxPollRecords, writers)
                            .rebuild(SCHEMA, new Progress(out, "  replay " + run + "/" + RUNS, published));
                    replay.add(result.recordsPerSecond());
                    if (io.tollgate.views.projection.Phases.ON) {
                        out.print(io.tollgate.views.projection.Phases.report());
                    }
                    out.printf("  run %d: raw consume %,.0f records/s; replay %,d events in %.1f s = %,.0f events/s%n",
                            run, rawRate, result.records(), result.took().toMillis() / 1000.0, result.recordsPerSecond());
                }
                out.printf("%nreplay of %,d events over %,d accounts (%d partitions, polls of up to %,d records, %d writers, %d cores):%n",
                        published, accounts, partitions, maxPollRecords, writers, Runtime.getRuntime().availableProcessors());
                out.printf("  baseline, raw Kafka consume (no decoding, no database): median %,.0f records/s%n", median(raw));
                out.printf("  replay into every view (decode, dedupe, project, commit): median %,.0f events/s%n", median(replay));
            } finally {
                admin.deleteTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
                ViewsSchemas.drop(dataSource, SCHEMA);
            }
        }
    }

    private long publish(String topic, long events, int accounts) throws Exception {
        EventCodec codec = new EventCodec();
        long started = System.nanoTime();
        long[] count = {0};
        AtomicReference<Exception> failure = new AtomicReference<>();
        Progress progress = new Progress(out, "  publish", events);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"))) {
            new BenchEvents(accounts).generate(events, event -> {
                EventType type = codec.typeOf(event);
                var record = new ProducerRecord<String, byte[]>(topic, event.accountId(), codec.encode(event));
                record.headers()
                        .add(Topics.HEADER_EVENT_ID, event.eventId().toString().getBytes(StandardCharsets.UTF_8))
                        .add(Topics.HEADER_EVENT_TYPE, type.name().getBytes(StandardCharsets.UTF_8))
                        .add(Topics.HEADER_SCHEMA_VERSION, "1".getBytes(StandardCharsets.UTF_8));
                producer.send(record, (metadata, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
                progress.update(++count[0]);
            });
            producer.flush();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        progress.finish(count[0]);
        out.printf("  published %,d events in %.1f s%n", count[0], (System.nanoTime() - started) / 1e9);
        return count[0];
    }

    private double consumeRaw(String topic) {
        try (KafkaConsumer<String, byte[]> consumer = ViewsReplay.consumer(bootstrapServers, 10_000)) {
            List<TopicPartition> partitions = ViewsReplay.partitions(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long total = ends.values().stream().mapToLong(Long::longValue).sum();
            long started = System.nanoTime();
            long read = 0;
            long bytes = 0;
            while (read < total) {
                ConsumerRecords<String, byte[]> batch = consumer.poll(Duration.ofMillis(500));
                for (var record : batch) {
                    bytes += record.value().length;
                }
                read += batch.count();
            }
            if (bytes == 0 && read > 0) {
                throw new IllegalStateException("empty records");
            }
            return read / ((System.nanoTime() - started) / 1e9);
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
