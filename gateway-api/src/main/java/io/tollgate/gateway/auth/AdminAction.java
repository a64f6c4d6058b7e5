package io.tollgate.gateway.auth;


import java.time.Instant;
import java.util.Set;

/**
 * An admin action that is not a credit movement, recorded by {@link AdminAudit} as an event that names its
 * actor. None of these may carry a secret: credentials only in their masked form.
 */
public sealed interface AdminAction {

    /** @param accountId null for a key without an account */
    record KeyIssued(String keyId, String accountId, String name, String prefix, Caller.Role role, Set<Scope> scopes,
                     Instant expiresAt, String replacesKeyId) implements AdminAction {
    }

    /** @param reason "revoked" or "rotated"; @param effectiveAt when the key stops working */
    record KeyRevoked(String keyId, String accountId, String reason, Instant effectiveAt) implements AdminAction {
    }

    /**
     * @param change "registered", "updated", "enabled", "disabled" or "removed"
     */
    record ProviderChanged(String provider, String wireFormat, String baseUrl, String change) implements AdminAction {
    }

    /**
     * @param change "added", "replaced", "disabled", "enabled", "removed" or "re-encrypted"
     * @param masked the masked form shown by the admin API (e.g. {@code sk-…wxyz}), never the secret
     */
    record CredentialChanged(String provider, String credentialId, String change, String masked)
            implements AdminAction {
    }

    /**
     * @param subjectType "key" or "account"
     * @param accountId   the account the limits bind (a key's owner), null for a key without one
     * @param budgetMicros null together with budgetPeriod: no budget; all limits null: limits removed
     */
    record LimitsChanged(String subjectType, String subjectId, String accountId, Long requestsPerMinute,
                         Long tokensPerMinute, Integer concurrentRequests, Long budgetMicros, String budgetPeriod)
            implements AdminAction {
    }
}
