/**
 * The command side: the CreditAccount and rate card aggregates, the event store in schema {@code ledger},
 * credit leases for the gateway instances, and the publisher that puts the events on the Kafka topic.
 * It may use {@code io.tollgate.events}, Axon, Spring and PostgreSQL; never the gateway or the views.
 */
package io.tollgate.ledger;
