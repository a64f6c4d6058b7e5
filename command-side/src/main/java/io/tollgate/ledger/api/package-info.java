/**
 * The ledger's contract with its host: commands, their outcomes and values; {@code Ledger} for account and admin commands,
 * {@code CreditLeases} and {@code RequestEventLog} for the request path, {@code CommitHealth} and {@code LedgerOutages} for probes.
 * It may use {@code io.tollgate.events}, Axon's command annotations and Spring; nothing else of {@code io.tollgate.ledger}.
 */
package io.tollgate.ledger.api;
