package io.tollgate.views.testing;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The ledger topic of one test JVM, created on the real broker (which does not auto-create topics)
 * before the query side's listener subscribes to it.
 */
public final class LedgerTopic {
    public static final int PARTITIONS = 2;

    private LedgerTopic() {
    }

    public static void create(String topic) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + topic, e.getCause());
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic " + topic, e);
        }
    }

    /** Best effort: a leftover topic or group only costs the broker a little disk. */
    public static void delete(String topic, String consumerGroup) {
        try (Admin admin = admin()) {
            try {
                admin.deleteConsumerGroups(List.of(consumerGroup)).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                    System.err.println("could not delete consumer group " + consumerGroup + ": " + e.getCause());
                }
            }
            try {
                admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    System.err.println("could not delete topic " + topic + ": " + e.getCause());
                }
            }
        } catch (Exception e) {
            System.err.println("could not clean up " + topic + ": " + e);
        }
    }

    /** The next offset of every partition: where a consumer that has read everything stands. */
    public static Map<Integer, Long> endOffsets(String topic) {
        try (var consumer = new KafkaConsumer<byte[], byte[]>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, Infrastructure.kafkaBootstrap(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            var partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<Integer, Long> ends = new TreeMap<>();
            consumer.endOffsets(partitions).forEach((partition, end) -> ends.put(partition.partition(), end));
            return ends;
        }
    }

    /** The partition Kafka's default partitioner picks for a key, as the gateway's producer uses it. */
    public static int partitionOf(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    /** A fresh random account id whose events land on the given partition. */
    public static String accountOnPartition(int partition) {
        while (true) {
            String account = "acct-" + UUID.randomUUID();
            if (partitionOf(account) == partition) {
                return account;
            }
        }
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, Infrastructure.kafkaBootstrap()));
    }
}
