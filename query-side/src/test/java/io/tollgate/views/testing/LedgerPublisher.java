package io.tollgate.views.testing;

import io.tollgate.events.codec.EventCodec;
import io.tollgate.events.codec.EventType;
import io.tollgate.events.TollgateEvent;
import io.tollgate.events.support.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Writes to the ledger topic exactly as the command side's KafkaEventPublisher does: key = account id,
 * value = EventCodec JSON, headers event-id, event-type and schema-version. Every send waits for the
 * broker's acknowledgement.
 */
public final class LedgerPublisher implements AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;
    private final EventCodec codec = new EventCodec();
    private final String topic;
    private final Set<String> publishedAccounts = ConcurrentHashMap.newKeySet();

    /** An event as it travels: encoded once, so that sending it again is a byte-identical redelivery. */
    public record Encoded(String key, byte[] value, UUID eventId, String type, int schemaVersion) {
    }

    public LedgerPublisher(String topic) {
        this.topic = topic;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Infrastructure.kafkaBootstrap(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true));
    }

    public Encoded encode(TollgateEvent event) {
        EventType type = codec.typeOf(event);
        return new Encoded(event.accountId(), codec.encode(event), event.eventId(), type.name(), type.currentVersion());
    }

    public List<Encoded> encode(List<? extends TollgateEvent> events) {
        return events.stream().map(this::encode).toList();
    }

    public List<RecordMetadata> publish(TollgateEvent... events) {
        return publish(Arrays.asList(events));
    }

    public List<RecordMetadata> publish(List<? extends TollgateEvent> events) {
        return send(encode(events));
    }

    /** Sends in order, then waits until the broker acknowledged all of them. */
    public List<RecordMetadata> send(List<Encoded> encoded) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(encoded.size());
        for (Encoded e : encoded) {
            publishedAccounts.add(e.key());
            var record = new ProducerRecord<String, byte[]>(topic, e.key(), e.value());
            record.headers()
                    .add(Topics.HEADER_EVENT_ID, e.eventId().toString().getBytes(StandardCharsets.UTF_8))
                    .add(Topics.HEADER_EVENT_TYPE, e.type().getBytes(StandardCharsets.UTF_8))
                    .add(Topics.HEADER_SCHEMA_VERSION,
                            Integer.toString(e.schemaVersion()).getBytes(StandardCharsets.UTF_8));
            records.add(record);
        }
        return sendRecords(records);
    }

    /** A record no publisher of ours would write: raw bytes (or null) under an account's key. */
    public RecordMetadata sendRaw(String key, byte[] value) {
        var headers = new RecordHeaders();
        headers.add(Topics.HEADER_EVENT_ID, UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        return sendRecords(List.of(new ProducerRecord<>(topic, null, key, value, headers))).getFirst();
    }

    /** Every account this publisher wrote events of: what this test run put into the shared views schema. */
    public Set<String> publishedAccounts() {
        return Set.copyOf(publishedAccounts);
    }

    private List<RecordMetadata> sendRecords(List<ProducerRecord<String, byte[]>> records) {
        List<Future<RecordMetadata>> pending = records.stream().map(producer::send).toList();
        producer.flush();
        List<RecordMetadata> acknowledged = new ArrayList<>(pending.size());
        for (Future<RecordMetadata> send : pending) {
            try {
                acknowledged.add(send.get(30, TimeUnit.SECONDS));
            } catch (Exception e) {
                throw new IllegalStateException("publishing to " + topic + " failed", e);
            }
        }
        return acknowledged;
    }

    @Override
    public void close() {
        producer.close();
    }
}
