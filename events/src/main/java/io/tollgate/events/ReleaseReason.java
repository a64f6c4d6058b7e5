package io.tollgate.events;

public enum ReleaseReason {
    /** The unused part of a reservation after the debit. */
    SETTLED_REMAINDER,
    /** The provider failed; nothing is charged. */
    PROVIDER_FAILED,
    /** No settlement arrived in time (the node handling it died). */
    EXPIRED
}
