package io.tollgate.gateway.idempotency;

import java.util.UUID;

/** What asking for an Idempotency-Key found. */
sealed interface Claim {

    /** This request owns the key: it runs, then stores or releases its outcome with the token. */
    record Acquired(IdempotencyKey key, UUID token) implements Claim {
    }

    /** An earlier request with this key finished; its outcome is the answer. */
    record Completed(StoredResponse response) implements Claim {
    }

    /** An earlier request with this key is still running (and its owner is alive). */
    record InProgress() implements Claim {
    }

    /**
     * An earlier request with this key had begun to hold credit, and its owner stopped answering for it
     * before its outcome was stored: it may have been billed, so it is not run again.
     */
    record OutcomeUnknown() implements Claim {
    }

    /** The key was used for a different request (another body or endpoint). */
    record Mismatch() implements Claim {
    }
}
