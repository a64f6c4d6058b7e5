package io.tollgate.ledger.api;

import io.tollgate.events.RefusalReason;
import java.time.Instant;

/** What a {@link Commands.GrantLease} decided. */
public sealed interface LeaseOutcome {

    /**
     * @param amountMicros    between the command's minimum and what it wanted
     * @param remainingMicros what the account has available besides this lease once it is granted: with the
     *                        lease's own unspent part, the balance a gateway instance can tell its callers
     */
    record Granted(String leaseId, long amountMicros, Instant expiresAt, long remainingMicros)
            implements LeaseOutcome {
    }

    /**
     * @param reason           {@link RefusalReason#INSUFFICIENT_CREDIT} or {@link RefusalReason#ACCOUNT_CLOSED}
     * @param availableMicros what the account had available to lease (never negative)
     */
    record Refused(RefusalReason reason, long availableMicros) implements LeaseOutcome {
    }
}
