package io.tollgate.ledger.credits;

/** What a {@link Commands.ReserveCredits} decided. */
public sealed interface ReservationOutcome {

    /** @param clamped the output limit is lower than the client's (or the client set none) */
    record Reserved(long amountMicros, int grantedMaxTokens, boolean clamped) implements ReservationOutcome {
    }

    record Rejected(String reason, String message) implements ReservationOutcome {
    }

    String INSUFFICIENT_CREDIT = "insufficient_credit";
    String ACCOUNT_CLOSED = "account_closed";
}
