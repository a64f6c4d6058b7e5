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

    /** The key was used for a different request (another body or endpoint). */
    record Mismatch() implements Claim {
    }
}
