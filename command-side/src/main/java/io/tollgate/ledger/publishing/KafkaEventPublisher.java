package io.tollgate.ledger.publishing;

import io.tollgate.events.codec.EventCodec;
import io.tollgate.events.codec.EventType;
import io.tollgate.events.support.Topics;
import io.tollgate.events.TollgateEvent;
import io.tollgate.ledger.api.LedgerTopicProperties;
import io.tollgate.ledger.processing.LedgerDeadLetters;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Copies every event from the event store to the ledger topic, keyed by account id. It runs in a
 * tracking processor: the processor's token advances only after the broker acknowledged the whole
 * batch, so a crash re-sends rather than loses (at least once; consumers dedupe by event id).
 * <p>
 * A failure fails the batch, which the processor then retries from its last position, except for an event
 * that can never be sent (larger than the broker takes, refused for its content, not encodable): that one is
 * recorded in {@code ledger.dead_letters}, in the transaction that moves the position past it, and the rest of
 * the batch goes on.
 */
@ProcessingGroup(KafkaEventPublisher.PROCESSING_GROUP)
class KafkaEventPublisher {
    static final String PROCESSING_GROUP = LedgerTopicProperties.DEFAULT_PUBLISHER_NAME;
    private static final String PENDING_SENDS = KafkaEventPublisher.class.getName() + ".pending";

    private final Producer<String, byte[]> producer;
    private final EventCodec codec;
    private final String topic;
    private final LedgerDeadLetters deadLetters;
    /** Names this publisher in its dead letters: its processor's name. */
    private final String source;

    public KafkaEventPublisher(Producer<String, byte[]> producer, EventCodec codec, String topic,
                               LedgerDeadLetters deadLetters, String source) {
        this.producer = producer;
        this.codec = codec;
        this.topic = topic;
        this.deadLetters = deadLetters;
        this.source = source;
    }

    @EventHandler
    public void on(TollgateEvent event) {
        EventType type;
        byte[] value;
        try {
            type = codec.typeOf(event);
            value = codec.encode(event);
        } catch (RuntimeException unencodable) {
            deadLetters.record(source, event.eventId(), event.getClass().getSimpleName(),
                    "cannot be encoded: " + LedgerDeadLetters.describe(unencodable), null);
            return;
        }
        var record = new ProducerRecord<String, byte[]>(topic, event.accountId(), value);
        record.headers()
                .add(Topics.HEADER_EVENT_ID, event.eventId().toString().getBytes(StandardCharsets.UTF_8))
                .add(Topics.HEADER_EVENT_TYPE, type.name().getBytes(StandardCharsets.UTF_8))
                .add(Topics.HEADER_SCHEMA_VERSION,
                        Integer.toString(type.currentVersion()).getBytes(StandardCharsets.UTF_8));
        pendingSendsOfThisBatch().add(new PendingSend(event.eventId(), type.name(), value, producer.send(record)));
    }

    private List<PendingSend> pendingSendsOfThisBatch() {
        UnitOfWork<?> batch = CurrentUnitOfWork.get().root();
        return batch.getOrComputeResource(PENDING_SENDS, key -> {
            List<PendingSend> pending = new ArrayList<>();
            batch.onPrepareCommit(unit -> awaitAcknowledgements(pending));
            return pending;
        });
    }

    private void awaitAcknowledgements(List<PendingSend> pending) {
        producer.flush();
        for (PendingSend send : pending) {
            try {
                send.acknowledgement().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while publishing to " + topic, e);
            } catch (ExecutionException e) {
                if (!isNeverDeliverable(e.getCause())) {
                    // Failing the batch rolls the token back: the same events are sent again.
                    throw new IllegalStateException("publishing to " + topic + " failed", e.getCause());
                }
                deadLetters.record(source, send.eventId(), send.eventType(),
                        "the broker will not take it: " + LedgerDeadLetters.describe(e.getCause()), send.value());
            }
        }
    }

    /**
     * Failures of this one record that no retry can change. Anything else (the broker away, a timeout, a
     * topic-wide refusal) retries the batch: a dead letter for every event would be worse than a pause.
     */
    private static boolean isNeverDeliverable(Throwable failure) {
        return failure instanceof RecordTooLargeException
                || failure instanceof InvalidRecordException
                || failure instanceof SerializationException;
    }

    private record PendingSend(UUID eventId, String eventType, byte[] value, Future<RecordMetadata> acknowledgement) {
    }
}
