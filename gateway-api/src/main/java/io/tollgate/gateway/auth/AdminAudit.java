package io.tollgate.gateway.auth;

import io.tollgate.events.support.AdminTrail;
import io.tollgate.events.ApiKeyIssued;
import io.tollgate.events.ApiKeyRevoked;
import io.tollgate.events.CredentialChanged;
import io.tollgate.events.support.EventIds;
import io.tollgate.events.LimitsChanged;
import io.tollgate.events.ProviderConfigured;
import io.tollgate.events.TollgateEvent;
import io.tollgate.ledger.api.Ledger;
import io.tollgate.ledger.api.RecordAdminEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.Locale;

/**
 * Records admin actions that are not credit movements (keys, providers, credentials, limits) as events
 * naming their actor, in the event store and so on the ledger topic. Credit movements (grants,
 * adjustments, rates, accounts) carry their actor in their own events already.
 *
 * <p>{@link #record} returns once the event is stored; it throws when it could not be, and the caller
 * should then fail the admin request rather than leave an unaudited change behind.
 *
 * <pre>{@code
 * audit.record(admin, new AdminAction.ProviderChanged(name, "openai", baseUrl, "registered"));
 * audit.record(admin, new AdminAction.CredentialChanged(name, credentialId, "added", masked));
 * }</pre>
 */
@Component
public class AdminAudit {
    private static final Logger log = LoggerFactory.getLogger(AdminAudit.class);

    private final Ledger ledger;

    AdminAudit(Ledger ledger) {
        this.ledger = ledger;
    }

    /**
     * @param actor the caller from {@code @RequestAttribute(Caller.REQUEST_ATTRIBUTE)}; null only for the
     *              system itself (the bootstrap admin key), recorded as "system"
     */
    public void record(Caller actor, AdminAction action) {
        String actorName = actor != null ? actor.actor() : "system";
        TollgateEvent event = toEvent(action, actorName);
        ledger.recordAdminEvent(RecordAdminEvent.of(event));
        log.info("admin action {} by {}", describe(action), actorName);
    }

    static TollgateEvent toEvent(AdminAction action, String actor) {
        Instant now = Instant.now();
        return switch (action) {
            case AdminAction.KeyIssued issued -> new ApiKeyIssued(EventIds.next(), now, accountOrSystem(issued.accountId()),
                    issued.keyId(), issued.name(), issued.prefix(), issued.role().name().toLowerCase(Locale.ROOT),
                    issued.scopes().stream().map(Scope::wireName).sorted().toList(), issued.expiresAt(),
                    issued.replacesKeyId(), actor);
            case AdminAction.KeyRevoked revoked -> new ApiKeyRevoked(EventIds.next(), now,
                    accountOrSystem(revoked.accountId()), revoked.keyId(), revoked.reason(), revoked.effectiveAt(), actor);
            case AdminAction.ProviderChanged provider -> new ProviderConfigured(EventIds.next(), now,
                    AdminTrail.SYSTEM_ACCOUNT, provider.provider(), provider.wireFormat(), provider.baseUrl(),
                    provider.change(), actor);
            case AdminAction.CredentialChanged credential -> new CredentialChanged(EventIds.next(), now,
                    AdminTrail.SYSTEM_ACCOUNT, credential.provider(), credential.credentialId(), credential.change(),
                    safeMask(credential.masked()), actor);
            case AdminAction.LimitsChanged limits -> new LimitsChanged(EventIds.next(), now,
                    accountOrSystem(limits.accountId()), limits.subjectType(), limits.subjectId(),
                    limits.requestsPerMinute(), limits.tokensPerMinute(), limits.concurrentRequests(),
                    limits.budgetMicros(), limits.budgetPeriod(), actor);
        };
    }

    private static String accountOrSystem(String accountId) {
        return accountId != null ? accountId : AdminTrail.SYSTEM_ACCOUNT;
    }

    /** A masked credential keeps at most a few characters; anything that could be a whole secret is dropped. */
    static String safeMask(String masked) {
        if (masked == null) {
            return null;
        }
        boolean looksMasked = masked.contains("…") || masked.contains("*") || masked.contains("...");
        return looksMasked && masked.length() <= 24 ? masked : null;
    }

    private static String describe(AdminAction action) {
        return switch (action) {
            case AdminAction.KeyIssued issued -> "key issued " + issued.keyId();
            case AdminAction.KeyRevoked revoked -> "key " + revoked.reason() + " " + revoked.keyId();
            case AdminAction.ProviderChanged provider -> "provider " + provider.change() + " " + provider.provider();
            case AdminAction.CredentialChanged credential -> "credential " + credential.change() + " "
                    + credential.provider() + "/" + credential.credentialId();
            case AdminAction.LimitsChanged limits -> "limits set on " + limits.subjectType() + " " + limits.subjectId();
        };
    }
}
