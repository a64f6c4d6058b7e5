package io.tollgate.ledger.api;

/**
 * A grant or adjustment id that the account has seen before, sent with different terms: the caller reused
 * an idempotency key for another operation. Nothing is applied.
 */
public class RepeatedWithOtherTerms extends AccountStateConflict {
    public RepeatedWithOtherTerms(String message) {
        super(message);
    }
}
