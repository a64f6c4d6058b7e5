package io.tollgate.ledger.requests;

import com.zaxxer.hikari.HikariDataSource;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.support.EventIds;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.RequestRejected;
import io.tollgate.events.support.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.flywaydb.core.Flyway;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The real PostgreSQL (TOLLGATE_TEST_DB_URL) and the real broker (TOLLGATE_KAFKA_BOOTSTRAP), a topic of the test's
 * own, and logs built without Spring, pointed at the broker or at a closed loopback port.
 */
final class RequestLogFixture implements AutoCloseable {
    static final String BOOTSTRAP = env("TOLLGATE_KAFKA_BOOTSTRAP", "127.0.0.1:9092");
    static final int PARTITIONS = 3;

    final String topic;
    final HikariDataSource dataSource;
    final SpillTable spill;
    private final List<SpillingRequestEventLog> logs = new ArrayList<>();

    RequestLogFixture(String name) {
        this(name, Map.of());
    }

    /** @param topicConfig the topic's own settings, e.g. a small {@code max.message.bytes} */
    RequestLogFixture(String name, Map<String, String> topicConfig) {
        this.topic = "tollgate.requests." + name + "." + UUID.randomUUID();
        this.dataSource = new HikariDataSource();
        dataSource.setJdbcUrl(env("TOLLGATE_TEST_DB_URL", "jdbc:postgresql://127.0.0.1:5432/tollgate_test"));
        dataSource.setUsername("tollgate");
        dataSource.setPassword("tollgate");
        dataSource.setMaximumPoolSize(8);
        Flyway.configure().dataSource(dataSource).schemas("ledger").createSchemas(true)
                .locations("classpath:db/ledger").load().migrate();
        this.spill = new SpillTable(dataSource, Duration.ofSeconds(5));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP))) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1).configs(topicConfig)))
                    .all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic " + topic, e);
        }
    }

    static RequestLogProperties fast() {
        return RequestLogProperties.defaults().withRepublishInterval(Duration.ofMillis(100));
    }

    /** A started log whose producers talk to the given bootstrap address. */
    SpillingRequestEventLog log(RequestLogProperties properties, String bootstrap) {
        var log = new SpillingRequestEventLog(properties, topic, RequestLogConfiguration.producerFactory(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                        // keep a dead broker's reconnection attempts quiet and cheap
                        ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, 100,
                        ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000), properties), spill);
        log.start();
        logs.add(log);
        return log;
    }

    SpillingRequestEventLog liveLog(RequestLogProperties properties) {
        return log(properties, BOOTSTRAP);
    }

    /** As the application builds it: sizes lowered to what the topic takes. */
    SpillingRequestEventLog fittedLog(RequestLogProperties properties) {
        return log(RequestLogConfiguration.fitToTopic(properties,
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP), topic), BOOTSTRAP);
    }

    SpillingRequestEventLog deadBrokerLog(RequestLogProperties properties) {
        return log(properties, "127.0.0.1:" + closedPort());
    }

    KafkaLeaseTally tally(Duration margin) {
        return new KafkaLeaseTally(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP), topic, spill,
                Duration.ofSeconds(20), margin);
    }

    /** A loopback port that nobody listens on: bound, then closed. */
    static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int partitionOf(String accountId) {
        return Utils.toPositive(Utils.murmur2(accountId.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    /** Every record of the account's partition up to its end offset now, in offset order, keyed by this account. */
    List<ConsumerRecord<String, byte[]>> recordsOf(String accountId) {
        var partition = new TopicPartition(topic, partitionOf(accountId));
        try (var consumer = new KafkaConsumer<String, byte[]>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false))) {
            consumer.assign(Set.of(partition));
            consumer.seekToBeginning(Set.of(partition));
            long end = consumer.endOffsets(Set.of(partition)).get(partition);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (consumer.position(partition) < end) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + partition + " to offset " + end);
                }
                for (var record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.offset() < end && accountId.equals(record.key())) {
                        records.add(record);
                    }
                }
            }
            return records;
        }
    }

    /** The event ids of the account's records, each at its first occurrence: what a deduplicating consumer sees. */
    List<UUID> firstOccurrences(String accountId) {
        var seen = new java.util.LinkedHashSet<UUID>();
        for (var record : recordsOf(accountId)) {
            seen.add(UUID.fromString(header(record, Topics.HEADER_EVENT_ID)));
        }
        return new ArrayList<>(seen);
    }

    static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** The event ids this instance has in the spill table, in spill order. */
    List<UUID> spilledBy(String instanceId) {
        try (var connection = dataSource.getConnection();
             var select = connection.prepareStatement(
                     "select event_id from ledger.request_event_spill where instance_id = ? order by seq")) {
            select.setString(1, instanceId);
            List<UUID> ids = new ArrayList<>();
            try (var result = select.executeQuery()) {
                while (result.next()) {
                    ids.add(result.getObject(1, UUID.class));
                }
            }
            return ids;
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static DataSource unreachableDatabase() {
        var dataSource = new org.postgresql.ds.PGSimpleDataSource();
        dataSource.setServerNames(new String[] {"127.0.0.1"});
        dataSource.setPortNumbers(new int[] {closedPort()});
        dataSource.setDatabaseName("nowhere");
        dataSource.setUser("tollgate");
        dataSource.setPassword("tollgate");
        dataSource.setConnectTimeout(1);
        return dataSource;
    }

    static String newAccount() {
        return "acct-" + UUID.randomUUID();
    }

    static RequestAccepted accepted(String account, String request, String lease) {
        return new RequestAccepted(EventIds.next(), Instant.now(), account, request, "key-1", "mock", "m",
                "openai.chat", false, 10, 100, 1000, lease);
    }

    static CreditsDebited debited(String account, String request, long micros, String lease) {
        return new CreditsDebited(EventIds.next(), Instant.now(), account, request, micros, "mock", "m", lease);
    }

    static RequestRejected rejected(String account, String request) {
        return new RequestRejected(EventIds.next(), Instant.now(), account, request, "m", "insufficient_credit", 402,
                "not enough credit");
    }

    /** Stops every log this fixture started, so that no republisher of one test drains another's spill. */
    void stopLogs() {
        for (SpillingRequestEventLog log : logs) {
            log.stop();
        }
        logs.clear();
    }

    @Override
    public void close() {
        stopLogs();
        // Rows for a topic about to go would block every republisher: they could never be acknowledged.
        try (var connection = dataSource.getConnection();
             var delete = connection.prepareStatement("delete from ledger.request_event_spill where topic = ?");
             var deadLetters = connection.prepareStatement("delete from ledger.dead_letters where topic = ?")) {
            delete.setString(1, topic);
            delete.executeUpdate();
            deadLetters.setString(1, topic);
            deadLetters.executeUpdate();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP))) {
            admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // a topic left behind is harmless
        }
        dataSource.close();
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
