package io.tollgate.gateway.limits;

import io.tollgate.gateway.edge.EdgeText;

import io.tollgate.events.support.Credits;
import io.tollgate.gateway.auth.ApiKeys;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.limits.LimitStore.SubjectType;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * Limits per key and per account: admins set them under {@code /admin/limits/…}; every caller reads the
 * limits that bind it, and what it spent, at {@code GET /api/limits}.
 */
@RestController
class LimitsController {
    private final LimitStore store;
    private final ApiKeys keys;
    private final SpendBudgets budgets;

    LimitsController(LimitStore store, ApiKeys keys, SpendBudgets budgets) {
        this.store = store;
        this.keys = keys;
        this.budgets = budgets;
    }

    /**
     * Every field optional; a missing one is no limit. {@code budget} is in credits per {@code budgetPeriod}
     * ("day" or "month", UTC; default month).
     */
    record LimitsRequest(@Positive Long requestsPerMinute, @Positive Long tokensPerMinute,
                         @Positive Integer concurrentRequests, @PositiveOrZero BigDecimal budget,
                         @EdgeText String budgetPeriod) {
        Limits toLimits() {
            return new Limits(requestsPerMinute, tokensPerMinute, concurrentRequests,
                    budget == null ? null : Credits.micros(budget),
                    budget == null ? null : budgetPeriod == null ? "month" : budgetPeriod);
        }
    }

    record LimitsView(Long requestsPerMinute, Long tokensPerMinute, Integer concurrentRequests, BigDecimal budget,
                      String budgetPeriod) {
        static LimitsView of(Limits limits) {
            return new LimitsView(limits.requestsPerMinute(), limits.tokensPerMinute(), limits.concurrentRequests(),
                    limits.budgetMicros() == null ? null : Credits.toCredits(limits.budgetMicros()),
                    limits.budgetPeriod());
        }
    }

    /**
     * @param stored    what is set for this subject, null when nothing is
     * @param effective what binds it now (stored, else the configured default)
     * @param spent     credits spent in the current budget period, null without a budget
     */
    record SubjectLimits(String subjectType, String subjectId, LimitsView stored, LimitsView effective,
                         BigDecimal spent) {
    }

    record CallerLimits(SubjectLimits key, SubjectLimits account) {
    }

    @PutMapping("/admin/limits/keys/{keyId}")
    SubjectLimits setKeyLimits(@PathVariable String keyId, @Validated @RequestBody LimitsRequest request,
                               @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        var key = keys.find(keyId).orElseThrow(() -> GatewayException.notFound("key_not_found", "No such key."));
        store.set(SubjectType.KEY, keyId, key.accountId(), request.toLimits(), admin);
        return view(SubjectType.KEY, keyId);
    }

    @PutMapping("/admin/limits/accounts/{accountId}")
    SubjectLimits setAccountLimits(@PathVariable String accountId, @Validated @RequestBody LimitsRequest request,
                                   @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        store.set(SubjectType.ACCOUNT, accountId, accountId, request.toLimits(), admin);
        return view(SubjectType.ACCOUNT, accountId);
    }

    @GetMapping("/admin/limits/keys/{keyId}")
    SubjectLimits keyLimits(@PathVariable String keyId) {
        keys.find(keyId).orElseThrow(() -> GatewayException.notFound("key_not_found", "No such key."));
        return view(SubjectType.KEY, keyId);
    }

    @GetMapping("/admin/limits/accounts/{accountId}")
    SubjectLimits accountLimits(@PathVariable String accountId) {
        return view(SubjectType.ACCOUNT, accountId);
    }

    @DeleteMapping("/admin/limits/keys/{keyId}")
    SubjectLimits removeKeyLimits(@PathVariable String keyId, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        var key = keys.find(keyId).orElseThrow(() -> GatewayException.notFound("key_not_found", "No such key."));
        store.remove(SubjectType.KEY, keyId, key.accountId(), admin);
        return view(SubjectType.KEY, keyId);
    }

    @DeleteMapping("/admin/limits/accounts/{accountId}")
    SubjectLimits removeAccountLimits(@PathVariable String accountId,
                                      @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        store.remove(SubjectType.ACCOUNT, accountId, accountId, admin);
        return view(SubjectType.ACCOUNT, accountId);
    }

    /** The limits that bind the caller: its key's (or token's) and its account's. */
    @GetMapping("/api/limits")
    CallerLimits own(@RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller) {
        return new CallerLimits(view(SubjectType.KEY, caller.keyId()),
                caller.accountId() == null ? null : view(SubjectType.ACCOUNT, caller.accountId()));
    }

    private SubjectLimits view(SubjectType type, String id) {
        var stored = store.stored(type, id);
        Limits effective = stored.orElseGet(() -> store.defaults(type));
        BigDecimal spent = effective.budgetMicros() == null ? null : Credits.toCredits(
                budgets.spent(type.name().toLowerCase() + ":" + id, effective.budgetPeriod(), Instant.now()));
        return new SubjectLimits(type.name().toLowerCase(), id, stored.map(LimitsView::of).orElse(null),
                LimitsView.of(effective), spent);
    }
}
