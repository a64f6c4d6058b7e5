package io.tollgate.ledger.credits;

import io.tollgate.events.RefusalReason;
import java.time.Instant;

/** What a {@link Commands.GrantLease} decided. */
public sealed interface LeaseOutcome {

    /** @param amountMicros between the command's minimum and what it wanted */
    record Granted(String leaseId, long amountMicros, Instant expiresAt) implements LeaseOutcome {
    }

    /**
     * @param reason           {@link RefusalReason#INSUFFICIENT_CREDIT} or {@link RefusalReason#ACCOUNT_CLOSED}
     * @param availableMicros what the account had available to lease (never negative)
     */
    record Refused(RefusalReason reason, long availableMicros) implements LeaseOutcome {
    }
}
