package io.tollgate.gateway.accounts;

import io.tollgate.gateway.auth.ApiKeys;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.limits.LimitStore;
import io.tollgate.gateway.limits.Limits;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * What a caller may do to the keys of its own account without an admin: only keys that are no more than
 * itself. A key is within a caller when it is a user key, has no scope the caller lacks, ends no later than
 * the caller's key (and every key above it), and every limit that binds the caller binds it at least as
 * tightly. Admins are not asked: {@code /admin/keys} lets them do anything anyway.
 */
@Component
class KeyAuthority {
    private final ApiKeys keys;
    private final LimitStore limits;

    KeyAuthority(ApiKeys keys, LimitStore limits) {
        this.keys = keys;
        this.limits = limits;
    }

    /** When the caller stops working by itself (its key's or an ancestor's expiry or grace), null: never. */
    Instant callerEnds(Caller caller) {
        if (caller.isJwt()) {
            return null;
        }
        return ends(keys.lineage(caller.keyId()));
    }

    /** The app the caller's key is bound to (null: none, or a token). */
    String boundApp(Caller caller) {
        return caller.isJwt() ? null : keys.find(caller.keyId()).map(ApiKeys.ApiKeyView::appId).orElse(null);
    }

    /**
     * Refuses (403) when the key has more authority than the caller: its role, scopes, expiry or limits, or, for a
     * caller bound to an app, any app but that one (a successor without the binding would escape it).
     */
    void requireWithin(ApiKeys.ApiKeyView target, Caller caller) {
        if (caller.isAdmin() || target.id().equals(caller.keyId())) {
            return;
        }
        String boundApp = boundApp(caller);
        if (boundApp != null && !boundApp.equals(target.appId())) {
            throw new GatewayException(HttpStatus.FORBIDDEN, "permission_error", "insufficient_privilege",
                    "This key is not bound to your key's app '" + boundApp + "'; an admin manages it under /admin/keys.");
        }
        String reason = exceeds(target, caller);
        if (reason != null) {
            throw new GatewayException(HttpStatus.FORBIDDEN, "permission_error", "insufficient_privilege",
                    "This key " + reason + " than yours; an admin manages it under /admin/keys.");
        }
    }

    private String exceeds(ApiKeys.ApiKeyView target, Caller caller) {
        if (target.role() != Caller.Role.USER) {
            return "has a higher role";
        }
        if (!caller.scopes().containsAll(target.scopes())) {
            return "has more scopes";
        }
        List<ApiKeys.ApiKeyView> targetLineage = keys.lineage(target.id());
        Instant callerEnds = callerEnds(caller);
        Instant targetEnds = ends(targetLineage);
        if (callerEnds != null && (targetEnds == null || targetEnds.isAfter(callerEnds))) {
            return "lives longer";
        }
        List<String> callerKeys = caller.isJwt() ? List.of(caller.keyId())
                : keys.lineage(caller.keyId()).stream().map(ApiKeys.ApiKeyView::id).toList();
        List<String> targetKeys = targetLineage.stream().map(ApiKeys.ApiKeyView::id).toList();
        if (looser(targetKeys, callerKeys, Limits::requestsPerMinute)
                || looser(targetKeys, callerKeys, Limits::tokensPerMinute)
                || looser(targetKeys, callerKeys, l -> l.concurrentRequests() == null ? null
                : l.concurrentRequests().longValue())
                || looserBudget(targetKeys, callerKeys, "day") || looserBudget(targetKeys, callerKeys, "month")) {
            return "has looser limits";
        }
        return null;
    }

    /** Whether the tightest bound over the target's keys is looser than the tightest over the caller's. */
    private boolean looser(List<String> targetKeys, List<String> callerKeys, Function<Limits, Long> field) {
        Long callerBound = tightest(callerKeys, field);
        if (callerBound == null) {
            return false;
        }
        Long targetBound = tightest(targetKeys, field);
        return targetBound == null || targetBound > callerBound;
    }

    private boolean looserBudget(List<String> targetKeys, List<String> callerKeys, String period) {
        return looser(targetKeys, callerKeys, l -> period.equals(l.budgetPeriod()) ? l.budgetMicros() : null);
    }

    private Long tightest(List<String> keyIds, Function<Limits, Long> field) {
        return keyIds.stream().map(id -> field.apply(limits.effective(LimitStore.SubjectType.KEY, id)))
                .filter(Objects::nonNull).min(Long::compare).orElse(null);
    }

    private static Instant ends(List<ApiKeys.ApiKeyView> lineage) {
        return lineage.stream().map(ApiKeys.ApiKeyView::endsAt).filter(Objects::nonNull).min(Instant::compareTo)
                .orElse(null);
    }
}
