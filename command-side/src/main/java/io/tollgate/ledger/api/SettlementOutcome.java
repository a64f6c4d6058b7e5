package io.tollgate.ledger.api;

/**
 * @param debitedMicros   what this call debited (0 when there was nothing to bill)
 * @param alreadySettled  there was nothing to bill: the request was settled already, never reserved, or its
 *                        reservation expired longer ago than a late settlement is accepted; nothing changed
 */
public record SettlementOutcome(long debitedMicros, boolean alreadySettled) {
}
