package io.tollgate.ledger.credits;

/**
 * @param debitedMicros   what this call debited (0 when the request had already been settled)
 * @param alreadySettled  the reservation was gone: a repeat of an earlier settlement, which changes nothing
 */
public record SettlementOutcome(long debitedMicros, boolean alreadySettled) {
}
