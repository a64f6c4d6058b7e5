package io.tollgate.ledger.api;

import io.tollgate.ledger.api.Commands.AdjustCredits;
import io.tollgate.ledger.api.Commands.ClawBackCredits;
import io.tollgate.ledger.api.Commands.CloseAccount;
import io.tollgate.ledger.api.Commands.GrantCredits;
import io.tollgate.ledger.api.Commands.OpenAccount;

import java.time.Instant;

/**
 * The ledger as the host's admin API, payments and audit change it: one method per command, each answering
 * what the command decided. Every call is committed through the group-commit bus and waits for it a bounded
 * time, then throws {@link CreditLeases.LedgerUnavailable}; a refusal of the account's state is an
 * {@link AccountStateConflict}, bad input an {@link IllegalArgumentException}. The request path does not
 * come here: it meters on {@link CreditLeases} and writes to the {@link RequestEventLog}.
 */
public interface Ledger {

    void openAccount(OpenAccount command);

    /** Answers false when this very grant was given before (a retry): nothing changed. */
    boolean grant(GrantCredits command);

    /** Answers false when this very adjustment was applied before (a retry): nothing changed. */
    boolean adjust(AdjustCredits command);

    /** Answers the micro-credits taken back (0 for a repeated adjustment id). */
    long clawBack(ClawBackCredits command);

    /** Answers false when the account was closed already. */
    boolean close(CloseAccount command);

    /** Answers the instant the new prices take effect. */
    Instant setModelRate(SetModelRate command);

    void recordAdminEvent(RecordAdminEvent command);
}
