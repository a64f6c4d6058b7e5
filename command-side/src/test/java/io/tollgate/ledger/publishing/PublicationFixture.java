package io.tollgate.ledger.publishing;

import io.tollgate.events.support.EventIds;
import io.tollgate.events.LeaseGranted;
import io.tollgate.events.support.Topics;
import io.tollgate.ledger.testing.LedgerTestApplication;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A command side on the real PostgreSQL and broker with a ledger topic of its own, and ways to put events in
 * its store the way the aggregates do (through Axon's event store, in a transaction the test controls) and to
 * see what reached the topic.
 */
final class PublicationFixture implements AutoCloseable {
    static final String BOOTSTRAP = env("TOLLGATE_KAFKA_BOOTSTRAP", "127.0.0.1:9092");

    final String topic = "tollgate.ledger.publication-test." + UUID.randomUUID();
    final ConfigurableApplicationContext context;
    final EventStore eventStore;
    final TransactionTemplate transactions;
    final JdbcClient jdbc;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Set<UUID> published = new HashSet<>();

    PublicationFixture(String... extraArguments) {
        context = LedgerTestApplication.start(topic, extraArguments);
        eventStore = context.getBean(EventStore.class);
        transactions = new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
        jdbc = JdbcClient.create(context.getBean(DataSource.class));
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
    }

    /** A lease on a fresh account, as the account would record it, stamped {@code occurredAt}. */
    static LeaseGranted leaseGranted(Instant occurredAt) {
        return leaseGranted(occurredAt, "gw-publication-test");
    }

    static LeaseGranted leaseGranted(Instant occurredAt, String instanceId) {
        return new LeaseGranted(EventIds.next(), occurredAt, "acct-publication-" + UUID.randomUUID(),
                UUID.randomUUID().toString(), instanceId, 1_000, Instant.now().plus(Duration.ofHours(1)));
    }

    /**
     * Appends the event to the store as its account's first event, in the transaction of the calling thread
     * when there is one. The message carries the event's own time: Axon judges whether a gap in the global
     * index may still fill by the timestamps of the events around it.
     */
    void append(LeaseGranted event) {
        eventStore.publish(new GenericDomainEventMessage<>("CreditAccount", event.accountId(), 0, event, Map.of(),
                event.eventId().toString(), event.occurredAt()));
    }

    void appendCommitted(LeaseGranted event) {
        transactions.executeWithoutResult(status -> append(event));
    }

    /** Whether the event reached the topic; reads what arrived since the last call. */
    boolean isPublished(UUID eventId) {
        synchronized (consumer) {
            if (consumer.assignment().isEmpty()) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                        .map(info -> new TopicPartition(topic, info.partition()))
                        .toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
            }
            for (var record : consumer.poll(Duration.ofMillis(200))) {
                Header id = record.headers().lastHeader(Topics.HEADER_EVENT_ID);
                published.add(UUID.fromString(new String(id.value(), StandardCharsets.UTF_8)));
            }
            return published.contains(eventId);
        }
    }

    /** Whether the event is on the topic now, read by a consumer of its own (for a topic deleted and created again). */
    boolean isPublishedAnew(UUID eventId) {
        try (var reader = new KafkaConsumer<String, byte[]>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false))) {
            List<TopicPartition> partitions = reader.partitionsFor(topic, Duration.ofSeconds(5)).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            reader.assign(partitions);
            reader.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = reader.endOffsets(partitions);
            while (partitions.stream().anyMatch(partition -> reader.position(partition) < ends.get(partition))) {
                for (var record : reader.poll(Duration.ofMillis(200))) {
                    Header id = record.headers().lastHeader(Topics.HEADER_EVENT_ID);
                    if (eventId.equals(UUID.fromString(new String(id.value(), StandardCharsets.UTF_8)))) {
                        return true;
                    }
                }
            }
            return false;
        } catch (org.apache.kafka.common.KafkaException notThere) {
            return false;
        }
    }

    /**
     * Whether the processor's stored position is at or past the event: it will not send it again. (A record on the
     * topic alone proves less: a batch that keeps failing sends its good records again and again.)
     */
    boolean isPast(String processorName, UUID eventId) {
        long index = jdbc.sql("select global_index from ledger.domain_event_entry where event_identifier = ?")
                .param(eventId.toString()).query(Long.class).single();
        String token = jdbc.sql("select convert_from(token, 'UTF8') from ledger.token_entry where processor_name = ?")
                .param(processorName).query(String.class).optional().orElse(null);
        if (token == null) {
            return false;
        }
        var position = java.util.regex.Pattern.compile("\"index\":(\\d+)").matcher(token);
        return position.find() && Long.parseLong(position.group(1)) >= index;
    }

    Optional<Instant> leaseDueAt(LeaseGranted lease) {
        return jdbc.sql("""
                        select due_at from ledger.expiry_schedule
                        where account_id = ? and kind = 'lease' and item_id = ?""")
                .params(lease.accountId(), lease.leaseId())
                .query((row, number) -> row.getObject("due_at", OffsetDateTime.class).toInstant())
                .optional();
    }

    /** Transactions of this database waiting for an advisory lock that another one holds. */
    int advisoryLockWaiters() {
        return jdbc.sql("""
                        select count(*) from pg_locks
                        where locktype = 'advisory' and not granted
                          and database = (select oid from pg_database where datname = current_database())""")
                .query(Integer.class).single();
    }

    @Override
    public void close() {
        synchronized (consumer) {
            consumer.close(Duration.ofSeconds(5));
        }
        context.close();
    }

    static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    /** Waits for a transaction the test ran on a thread of its own, and fails with it. */
    static void finish(java.util.concurrent.Future<?> future) throws Exception {
        future.get(1, TimeUnit.MINUTES);
    }
}
