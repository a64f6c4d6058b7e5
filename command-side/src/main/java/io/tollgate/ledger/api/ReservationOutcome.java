package io.tollgate.ledger.api;

import io.tollgate.events.RefusalReason;

/** What a {@link Commands.ReserveCredits} decided. */
public sealed interface ReservationOutcome {

    /** @param clamped the output limit is lower than the client's (or the client set none) */
    record Reserved(long amountMicros, int grantedMaxTokens, boolean clamped) implements ReservationOutcome {
    }

    record Rejected(RefusalReason reason, String message) implements ReservationOutcome {
    }
}
