package io.tollgate.gateway.testing;

import io.tollgate.events.codec.EventCodec;
import io.tollgate.events.RequestScoped;
import io.tollgate.events.TollgateEvent;
import io.tollgate.events.support.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads the ledger topic from the start, as the query side does, to see what the gateway published. */
public final class LedgerTopicReader implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final EventCodec codec = new EventCodec();
    private final List<TollgateEvent> seen = new ArrayList<>();
    private final List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();

    public LedgerTopicReader(String bootstrapServers, String topic) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(info -> new TopicPartition(topic, info.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Polls once more and returns every event of the request seen so far, in topic order. */
    public synchronized List<TollgateEvent> eventsOf(String requestId) {
        poll();
        return seen.stream()
                .filter(e -> e instanceof RequestScoped scoped && scoped.requestId().equals(requestId))
                .toList();
    }

    public synchronized List<ConsumerRecord<String, byte[]>> recordsOfAccount(String accountId) {
        poll();
        return records.stream().filter(r -> accountId.equals(r.key())).toList();
    }

    public static String header(ConsumerRecord<String, byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    public static String eventIdHeader(ConsumerRecord<String, byte[]> record) {
        return header(record, Topics.HEADER_EVENT_ID);
    }

    private void poll() {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            records.add(record);
            seen.add(codec.decode(record.value()));
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
