package io.tollgate.gateway.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.tollgate.gateway.auth.AdminAction;
import io.tollgate.gateway.auth.AdminAudit;
import io.tollgate.gateway.auth.AuthInvalidation;
import io.tollgate.gateway.auth.Caller;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The limits stored per key and per account ({@code gateway.limits}), with the configured defaults for
 * those that have none. Read through a cache on the hot path; a change reaches every instance through
 * the table's change notification.
 */
@Component
public class LimitStore implements AuthInvalidation.Listener {
    public enum SubjectType {
        KEY, ACCOUNT;

        String wireName() {
            return name().toLowerCase();
        }
    }

    private final JdbcClient jdbc;
    private final AdminAudit audit;
    private final LimitProperties properties;
    private final Cache<String, Optional<Limits>> stored;

    LimitStore(JdbcClient jdbc, AdminAudit audit, LimitProperties properties) {
        this.jdbc = jdbc;
        this.audit = audit;
        this.properties = properties;
        this.stored = Caffeine.newBuilder().expireAfterWrite(properties.configCacheTtl()).maximumSize(100_000).build();
    }

    /** What binds the subject now: its stored limits, else the configured default. */
    public Limits effective(SubjectType type, String id) {
        if (id == null) {
            return Limits.NONE;
        }
        return stored.get(cacheKey(type, id), ignored -> load(type, id)).orElseGet(() -> defaults(type));
    }

    public Limits defaults(SubjectType type) {
        var defaults = properties.defaults();
        return type == SubjectType.KEY ? defaults.key().toLimits() : defaults.account().toLimits();
    }

    public Optional<Limits> stored(SubjectType type, String id) {
        return load(type, id);
    }

    /**
     * @param accountId the account the limits bind (for a key: its owner), named in the audit event
     */
    public void set(SubjectType type, String id, String accountId, Limits limits, Caller actor) {
        jdbc.sql("""
                        insert into gateway.limits (subject_type, subject_id, requests_per_minute, tokens_per_minute,
                                                    concurrent_requests, budget_micros, budget_period, updated_by)
                        values (?, ?, ?, ?, ?, ?, ?, ?)
                        on conflict (subject_type, subject_id) do update set
                            requests_per_minute = excluded.requests_per_minute,
                            tokens_per_minute = excluded.tokens_per_minute,
                            concurrent_requests = excluded.concurrent_requests,
                            budget_micros = excluded.budget_micros,
                            budget_period = excluded.budget_period,
                            updated_by = excluded.updated_by,
                            updated_at = now()""")
                .params(type.wireName(), id, limits.requestsPerMinute(), limits.tokensPerMinute(),
                        limits.concurrentRequests(), limits.budgetMicros(), limits.budgetPeriod(), actor.actor())
                .update();
        stored.invalidate(cacheKey(type, id));
        audit.record(actor, new AdminAction.LimitsChanged(type.wireName(), id, accountId, limits.requestsPerMinute(),
                limits.tokensPerMinute(), limits.concurrentRequests(), limits.budgetMicros(), limits.budgetPeriod()));
    }

    /** Removes the stored limits: the defaults apply again. Answers whether there were any. */
    public boolean remove(SubjectType type, String id, String accountId, Caller actor) {
        int removed = jdbc.sql("delete from gateway.limits where subject_type = ? and subject_id = ?")
                .params(type.wireName(), id).update();
        stored.invalidate(cacheKey(type, id));
        if (removed > 0) {
            audit.record(actor, new AdminAction.LimitsChanged(type.wireName(), id, accountId, null, null, null, null,
                    null));
        }
        return removed > 0;
    }

    private Optional<Limits> load(SubjectType type, String id) {
        return jdbc.sql("""
                        select requests_per_minute, tokens_per_minute, concurrent_requests, budget_micros, budget_period
                        from gateway.limits where subject_type = ? and subject_id = ?""")
                .params(type.wireName(), id)
                .query(LimitStore::limits)
                .optional();
    }

    private static Limits limits(ResultSet rs, int row) throws SQLException {
        return new Limits(nullableLong(rs, "requests_per_minute"), nullableLong(rs, "tokens_per_minute"),
                rs.getObject("concurrent_requests") == null ? null : rs.getInt("concurrent_requests"),
                nullableLong(rs, "budget_micros"), rs.getString("budget_period"));
    }

    private static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    private static String cacheKey(SubjectType type, String id) {
        return type.wireName() + ":" + id;
    }

    @Override
    public void invalidate(String payload) {
        if (payload.startsWith("limits:")) {
            stored.invalidate(payload.substring("limits:".length()));
        }
    }

    @Override
    public void invalidateAll() {
        stored.invalidateAll();
    }
}
