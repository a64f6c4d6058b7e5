/**
 * The command side: the CreditAccount and rate card aggregates, their event store, credit leases and the publisher to Kafka.
 * Its host (the gateway) imports {@link io.tollgate.ledger.LedgerConfiguration} and uses {@link io.tollgate.ledger.api} alone.
 * It may use {@code io.tollgate.events}, Axon, Spring, Kafka and PostgreSQL; never the gateway or the views.
 */
package io.tollgate.ledger;
