package io.tollgate.ledger.requests;

import io.tollgate.events.support.Topics;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * One request event as it travels: on the topic (key, headers, JSON value exactly as
 * {@link io.tollgate.ledger.publishing.KafkaEventPublisher} writes them, plus the lease header) and in a spill row.
 */
record EncodedEvent(String accountId, String leaseId, UUID eventId, String type, int schemaVersion, byte[] payload) {

    ProducerRecord<String, byte[]> toRecord(String topic) {
        var record = new ProducerRecord<String, byte[]>(topic, accountId, payload);
        record.headers()
                .add(Topics.HEADER_EVENT_ID, eventId.toString().getBytes(StandardCharsets.UTF_8))
                .add(Topics.HEADER_EVENT_TYPE, type.getBytes(StandardCharsets.UTF_8))
                .add(Topics.HEADER_SCHEMA_VERSION, Integer.toString(schemaVersion).getBytes(StandardCharsets.UTF_8));
        if (leaseId != null) {
            record.headers().add(Topics.HEADER_LEASE_ID, leaseId.getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }
}
