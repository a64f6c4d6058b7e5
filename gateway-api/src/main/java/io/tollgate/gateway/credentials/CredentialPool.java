package io.tollgate.gateway.credentials;

import io.tollgate.gateway.providers.Provider;

import java.time.Duration;
import java.util.Optional;

/**
 * Chooses which of a provider's credentials carries the next call, and learns from how calls went:
 * smooth weighted round-robin over the usable credentials, a weight cut on 429 restored after a cool-down,
 * and a credential disabled on 401/403 (on every instance) until a periodic re-check finds it working.
 */
public interface CredentialPool {

    /** The credential for the next call to this provider, or empty when none is usable right now. */
    Optional<Provider.Credential> next(Provider provider);

    /**
     * Reports how a call made with the credential went: OK for any answer that proves the key (2xx, and 4xx of
     * the client's making), RATE_LIMITED for 429, REJECTED when the provider refused the key itself (see
     * {@code ProviderAdapter.rejectsCredential}; a 403 about the request's content is not). Other failures (5xx, timeouts, no
     * connection) say nothing about the key and need no report. Cheap and non-blocking: call it on the hot path.
     */
    void report(Provider provider, Provider.Credential credential, CallOutcome outcome);

    /**
     * When {@link #next} found nothing because every credential is cooling down after a 429: how long until
     * the first one is usable again (for a Retry-After). Empty when none is cooling.
     */
    default Optional<Duration> retryAfter(Provider provider) {
        return Optional.empty();
    }

    enum CallOutcome {
        /** Any answer that says the credential works, errors of the client's own making included. */
        OK,
        /** HTTP 429 from the provider. */
        RATE_LIMITED,
        /** The provider refused the key itself (401, or an error body naming the key): wrong, revoked, blocked. */
        REJECTED
    }
}
