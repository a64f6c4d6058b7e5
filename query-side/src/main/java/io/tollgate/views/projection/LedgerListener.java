package io.tollgate.views.projection;

import io.tollgate.events.EventCodec;
import io.tollgate.events.RequestScoped;
import io.tollgate.events.TollgateEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.List;

/** Feeds the ledger topic into the projections, one database transaction per polled batch. */
@Component
class LedgerListener {
    private static final Logger log = LoggerFactory.getLogger(LedgerListener.class);

    private final EventCodec codec = new EventCodec();
    private final UsageAndBalanceProjection projection;

    LedgerListener(UsageAndBalanceProjection projection) {
        this.projection = projection;
    }

    @KafkaListener(topics = "${tollgate.views.topic}", groupId = "${tollgate.views.consumer-group}",
            containerFactory = "ledgerListenerFactory")
    void onBatch(List<ConsumerRecord<String, byte[]>> records) {
        List<TollgateEvent> events = new ArrayList<>(records.size());
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                events.add(requireEnvelope(codec.decode(record.value())));
            } catch (RuntimeException unreadable) {
                // An event this version cannot read must not block its partition; the store keeps it.
                log.error("skipping unreadable record at {}-{}@{}: {}", record.topic(), record.partition(),
                        record.offset(), unreadable.getMessage());
            }
        }
        projection.apply(events);
    }

    /**
     * JSON that maps onto a record but lacks what every event carries (its id, time, account, or the
     * request it belongs to) cannot be applied: the database refuses it, and a failing batch is retried
     * without end, which would stop this consumer on every partition it holds. It is as unreadable as
     * malformed JSON.
     */
    private static TollgateEvent requireEnvelope(TollgateEvent event) {
        if (event.eventId() == null || event.occurredAt() == null || event.accountId() == null
                || (event instanceof RequestScoped scoped && scoped.requestId() == null)) {
            throw new IllegalArgumentException("incomplete " + event.getClass().getSimpleName()
                    + ": eventId, occurredAt, accountId and (for request events) requestId are required");
        }
        return event;
    }
}
