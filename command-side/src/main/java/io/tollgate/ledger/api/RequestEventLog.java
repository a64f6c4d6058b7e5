package io.tollgate.ledger.api;

import io.tollgate.events.TollgateEvent;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Where the gateway writes the events of its requests: the ledger topic, or PostgreSQL while the broker is away. */
public interface RequestEventLog {
    /**
     * Makes the events durable in order, all of one account (Kafka key = accountId, same partition as the Axon-published
     * events of that account). The future completes when every event is acknowledged by the broker (idempotent producer,
     * acks=all) or, when the broker did not acknowledge within the configured bound, spilled to PostgreSQL; it completes
     * exceptionally (RequestEventLogUnavailable, a RuntimeException) only when neither worked within the bound.
     * leaseId may be null (events not drawn on a lease, e.g. RequestRejected).
     */
    CompletableFuture<Void> append(String accountId, String leaseId, List<TollgateEvent> events);

    /** Fire-and-forget variant for facts that no money depends on (RequestRejected): never blocks the caller, never throws. */
    void appendQuietly(String accountId, List<TollgateEvent> events);
}
