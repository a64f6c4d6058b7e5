package io.tollgate.ledger.publishing;

import io.tollgate.events.EventCodec;
import io.tollgate.events.EventType;
import io.tollgate.events.Topics;
import io.tollgate.events.TollgateEvent;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Copies every event from the event store to the ledger topic, keyed by account id. It runs in a
 * tracking processor: the processor's token advances only after the broker acknowledged the whole
 * batch, so a crash re-sends rather than loses (at least once; consumers dedupe by event id).
 */
@ProcessingGroup(KafkaEventPublisher.PROCESSING_GROUP)
public class KafkaEventPublisher {
    public static final String PROCESSING_GROUP = "kafka-publisher";
    private static final String PENDING_SENDS = KafkaEventPublisher.class.getName() + ".pending";

    private final Producer<String, byte[]> producer;
    private final EventCodec codec;
    private final String topic;

    public KafkaEventPublisher(Producer<String, byte[]> producer, EventCodec codec, String topic) {
        this.producer = producer;
        this.codec = codec;
        this.topic = topic;
    }

    @EventHandler
    public void on(TollgateEvent event) {
        EventType type = codec.typeOf(event);
        var record = new ProducerRecord<String, byte[]>(topic, event.accountId(), codec.encode(event));
        record.headers()
                .add(Topics.HEADER_EVENT_ID, event.eventId().toString().getBytes(StandardCharsets.UTF_8))
                .add(Topics.HEADER_EVENT_TYPE, type.name().getBytes(StandardCharsets.UTF_8))
                .add(Topics.HEADER_SCHEMA_VERSION,
                        Integer.toString(type.currentVersion()).getBytes(StandardCharsets.UTF_8));
        pendingSendsOfThisBatch().add(producer.send(record));
    }

    private List<Future<RecordMetadata>> pendingSendsOfThisBatch() {
        UnitOfWork<?> batch = CurrentUnitOfWork.get().root();
        return batch.getOrComputeResource(PENDING_SENDS, key -> {
            List<Future<RecordMetadata>> pending = new ArrayList<>();
            batch.onPrepareCommit(unit -> awaitAcknowledgements(pending));
            return pending;
        });
    }

    private void awaitAcknowledgements(List<Future<RecordMetadata>> pending) {
        producer.flush();
        for (Future<RecordMetadata> send : pending) {
            try {
                send.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while publishing to " + topic, e);
            } catch (ExecutionException e) {
                // Failing the batch rolls the token back: the same events are sent again.
                throw new IllegalStateException("publishing to " + topic + " failed", e.getCause());
            }
        }
    }
}
