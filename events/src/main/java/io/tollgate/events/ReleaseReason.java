package io.tollgate.events;

/**
 * Why a reservation ended. A release always frees the whole reserved amount; what the request cost
 * is a separate {@link CreditsDebited}.
 */
public enum ReleaseReason {
    /** The request was answered and debited. */
    SETTLED,
    /** The provider failed; nothing is charged. */
    PROVIDER_FAILED,
    /** No settlement arrived in time (the node handling it died). */
    EXPIRED
}
