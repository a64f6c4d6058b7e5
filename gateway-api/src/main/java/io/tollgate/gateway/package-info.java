/**
 * The HTTP edge on :8080: API keys, limits, idempotency, the chat path to the providers, the admin API and
 * the vault; it hosts the command side in the same process and sends it commands through its ledger API.
 * It may use {@code io.tollgate.events} and the ledger's API ({@code io.tollgate.ledger.api}); never the views' code (only their HTTP API).
 */
package io.tollgate.gateway;
