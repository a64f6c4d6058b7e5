package io.tollgate.ledger.api;

/** A command that the account's current state forbids (closed, or a duplicate): the caller's conflict, not a fault. */
public class AccountStateConflict extends IllegalStateException {
    public AccountStateConflict(String message) {
        super(message);
    }
}
