/**
 * The query side: reads the ledger topic, folds the events into the read models in schema {@code views},
 * and answers the read API on :8081 (balances, billing, request history, usage).
 * It may use {@code io.tollgate.events}, Kafka, Spring and PostgreSQL; never the ledger or the gateway.
 */
package io.tollgate.views;
