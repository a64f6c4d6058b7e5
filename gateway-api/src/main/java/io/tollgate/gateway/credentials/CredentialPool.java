package io.tollgate.gateway.credentials;

import io.tollgate.gateway.providers.Provider;

import java.util.Optional;

/**
 * Chooses which of a provider's credentials carries the next call, and learns from how calls went:
 * smooth weighted round-robin over the usable credentials, a weight cut on 429 restored after a cool-down,
 * and a credential disabled on 401/403 (on every instance) until a periodic re-check finds it working.
 */
public interface CredentialPool {

    /** The credential for the next call to this provider, or empty when none is usable right now. */
    Optional<Provider.Credential> next(Provider provider);

    /** Reports how a call made with the credential went. */
    void report(Provider provider, Provider.Credential credential, CallOutcome outcome);

    enum CallOutcome {
        /** Any answer that says the credential works, errors of the client's own making included. */
        OK,
        /** HTTP 429 from the provider. */
        RATE_LIMITED,
        /** HTTP 401 or 403 from the provider: the key is wrong, revoked or lacks access. */
        REJECTED
    }
}
