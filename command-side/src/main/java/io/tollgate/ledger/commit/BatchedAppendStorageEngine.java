package io.tollgate.ledger.commit;

import com.github.benmanes.caffeine.cache.Caffeine;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Lets a commit shard write the events of a whole batch of commands in one statement batch: while a
 * shard collects, appends go to a per-thread buffer, and {@link #flush()} writes them just before the
 * batch's commit. Outside a batch every append goes straight to the store. A duplicate sequence number
 * (another instance appended first) surfaces at the flush and aborts the batch, whose commands then
 * run again one by one.
 */
class BatchedAppendStorageEngine implements EventStorageEngine {
    private final EventStorageEngine store;
    private final ThreadLocal<List<EventMessage<?>>> collecting = new ThreadLocal<>();
    /** The last sequence number this instance appended per account, to tell whether its cache is current. */
    private final Map<String, Long> lastAppended = Caffeine.newBuilder().maximumSize(200_000).<String, Long>build().asMap();

    BatchedAppendStorageEngine(EventStorageEngine store) {
        this.store = store;
    }

    /** Starts collecting on this thread; every append until {@link #flush()} or {@link #discard()} is held back. */
    void collect() {
        collecting.set(new ArrayList<>());
    }

    /** Writes what was collected, in the batch's transaction, and stops collecting; returns how many. */
    int flush() {
        List<EventMessage<?>> events = collecting.get();
        collecting.remove();
        if (events == null || events.isEmpty()) {
            return 0;
        }
        store.appendEvents(events);
        remember(events);
        return events.size();
    }

    /** The last sequence number this instance wrote for the account, if it wrote any lately. */
    Long lastAppended(String aggregateId) {
        return lastAppended.get(aggregateId);
    }

    private void remember(List<? extends EventMessage<?>> events) {
        for (EventMessage<?> event : events) {
            if (event instanceof DomainEventMessage<?> domainEvent && domainEvent.getType() != null) {
                lastAppended.put(domainEvent.getAggregateIdentifier(), domainEvent.getSequenceNumber());
            }
        }
    }

    void discard() {
        collecting.remove();
    }

    @Override
    public void appendEvents(List<? extends EventMessage<?>> events) {
        List<EventMessage<?>> batch = collecting.get();
        if (batch == null) {
            store.appendEvents(events);
            remember(events);
        } else {
            batch.addAll(events);
        }
    }

    @Override
    public void storeSnapshot(DomainEventMessage<?> snapshot) {
        store.storeSnapshot(snapshot);
    }

    @Override
    public Stream<? extends TrackedEventMessage<?>> readEvents(TrackingToken trackingToken, boolean mayBlock) {
        return store.readEvents(trackingToken, mayBlock);
    }

    @Override
    public DomainEventStream readEvents(String aggregateIdentifier, long firstSequenceNumber) {
        return store.readEvents(aggregateIdentifier, firstSequenceNumber);
    }

    @Override
    public Optional<DomainEventMessage<?>> readSnapshot(String aggregateIdentifier) {
        return store.readSnapshot(aggregateIdentifier);
    }

    @Override
    public Optional<Long> lastSequenceNumberFor(String aggregateIdentifier) {
        return store.lastSequenceNumberFor(aggregateIdentifier);
    }

    @Override
    public TrackingToken createTailToken() {
        return store.createTailToken();
    }

    @Override
    public TrackingToken createHeadToken() {
        return store.createHeadToken();
    }

    @Override
    public TrackingToken createTokenAt(Instant dateTime) {
        return store.createTokenAt(dateTime);
    }
}
