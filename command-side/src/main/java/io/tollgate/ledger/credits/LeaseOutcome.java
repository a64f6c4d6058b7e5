package io.tollgate.ledger.credits;

import java.time.Instant;

/** What a {@link Commands.GrantLease} decided. */
public sealed interface LeaseOutcome {

    /** @param amountMicros between the command's minimum and what it wanted */
    record Granted(String leaseId, long amountMicros, Instant expiresAt) implements LeaseOutcome {
    }

    /**
     * @param reason           {@link ReservationOutcome#INSUFFICIENT_CREDIT} or {@link ReservationOutcome#ACCOUNT_CLOSED}
     * @param availableMicros what the account had available to lease (never negative)
     */
    record Refused(String reason, long availableMicros) implements LeaseOutcome {
    }
}
