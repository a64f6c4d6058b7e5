package io.tollgate.gateway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.tollgate.events.support.EventIds;
import io.tollgate.gateway.hashing.Sha256;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Tollgate API keys: {@code tg-} and 256 random bits. Only their SHA-256 is stored (the secret has full
 * entropy, so a fast hash is enough); the secret is returned once, at creation.
 *
 * <p>A key made with another key ({@code /api/keys}) has that key as its parent: it never outlives it, its
 * requests count against the parent's limits as well, and revoking the parent revokes it. A key resolves
 * only while every key above it is live.
 *
 * <p>Resolving a key is a cache hit on the hot path. An entry lives at most {@code tollgate.auth.key-cache-ttl}
 * (1 s), and every instance drops it at once when the key changes: the database notifies them
 * ({@link AuthInvalidation}). Last use is remembered in memory and written in one batch every few seconds.
 */
@Component
public class ApiKeys implements AuthInvalidation.Listener {
    public static final String PREFIX = "tg-";
    private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);
    /** Deeper lineages are refused: each level is a lookup when a key is resolved. */
    public static final int MAX_LINEAGE_DEPTH = 8;

    private final JdbcClient jdbc;
    private final AdminAudit audit;
    private final TransactionTemplate transactions;
    private final SecureRandom random = new SecureRandom();
    private final Cache<String, Optional<Resolved>> callersByHash;
    private final Map<String, Instant> lastUsed = new ConcurrentHashMap<>();
    private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "api-key-last-used");
        thread.setDaemon(true);
        return thread;
    });

    /** A key as the cache holds it: who it is, and until when it works without asking again. */
    private record Resolved(Caller caller, Instant validUntil) {
    }

    public ApiKeys(JdbcClient jdbc, AdminAudit audit, AuthProperties properties,
                   PlatformTransactionManager transactionManager) {
        this.jdbc = jdbc;
        this.audit = audit;
        this.transactions = new TransactionTemplate(transactionManager);
        this.callersByHash = Caffeine.newBuilder()
                .expireAfterWrite(properties.keyCacheTtl())
                .maximumSize(100_000)
                .build();
        long flushMillis = properties.lastUsedFlushInterval().toMillis();
        flusher.scheduleWithFixedDelay(this::flushLastUsed, flushMillis, flushMillis, TimeUnit.MILLISECONDS);
    }

    public record IssuedKey(String id, String secret, String prefix, ApiKeyView view) {
    }

    /**
     * What the API shows of a key: never its secret or hash.
     *
     * @param parentId the key this one was made with through {@code /api/keys}; null for a key an admin issued
     */
    public record ApiKeyView(String id, String name, String prefix, String accountId, Caller.Role role,
                             Set<Scope> scopes, Instant createdAt, String createdBy, Instant expiresAt,
                             Instant lastUsedAt, Instant revokedAt, String replacedBy, String state,
                             String parentId, String appId) {

        /** When the key stops working by itself: its expiry, or the end of a rotation's grace period. */
        public Instant endsAt() {
            return earliestOrNull(expiresAt, revokedAt);
        }

        public boolean live() {
            return state.equals("active") || state.equals("rotating");
        }
    }

    /**
     * @param scopes   null: the role's defaults; @param expiresAt null: never
     * @param parentId the live key this one is made with, or null
     * @param appId    the app of the account every request of the key is made for, or null (the caller names one
     *                 per request, or none)
     */
    public record NewKey(String name, String accountId, Caller.Role role, Set<Scope> scopes, Instant expiresAt,
                         String parentId, String appId) {
        public NewKey(String name, String accountId, Caller.Role role, Set<Scope> scopes, Instant expiresAt) {
            this(name, accountId, role, scopes, expiresAt, null, null);
        }

        public NewKey(String name, String accountId, Caller.Role role, Set<Scope> scopes, Instant expiresAt,
                      String parentId) {
            this(name, accountId, role, scopes, expiresAt, parentId, null);
        }
    }

    /** Refused because the key it would be made with is not live (or would be outlived, or exceeded). */
    public static final class ParentNotUsable extends IllegalArgumentException {
        ParentNotUsable(String message) {
            super(message);
        }
    }

    public IssuedKey issue(NewKey request, Caller actor) {
        return issue(request, actor, null);
    }

    private IssuedKey issue(NewKey request, Caller actor, String replaces) {
        Caller.Role role = request.role() != null ? request.role() : Caller.Role.USER;
        if (request.name() == null || request.name().isBlank()) {
            throw new IllegalArgumentException("a key needs a name");
        }
        if (role == Caller.Role.USER && (request.accountId() == null || request.accountId().isBlank())) {
            throw new IllegalArgumentException("a user key needs an accountId");
        }
        Set<Scope> scopes = request.scopes() == null || request.scopes().isEmpty()
                ? Scope.defaultsFor(role) : EnumSet.copyOf(request.scopes());
        if (scopes.contains(Scope.ADMIN) && role != Caller.Role.ADMIN) {
            throw new IllegalArgumentException("only an admin key can have the admin scope");
        }
        if (request.expiresAt() != null && !request.expiresAt().isAfter(Instant.now())) {
            throw new IllegalArgumentException("expiresAt must lie in the future");
        }
        if (request.parentId() != null) {
            checkWithinParent(request, role, scopes);
        }
        if (request.appId() != null && request.accountId() == null) {
            throw new IllegalArgumentException("a key bound to an app needs the app's accountId");
        }
        String secret = newSecret();
        String id = store(request.name(), request.accountId(), role, scopes, request.expiresAt(), secret,
                actor != null ? actor.actor() : "system", request.parentId(), request.appId());
        try {
            audit.record(actor, new AdminAction.KeyIssued(id, request.accountId(), request.name(), prefixOf(secret),
                    role, scopes, request.expiresAt(), replaces));
        } catch (RuntimeException e) {
            // No key without its audit event: the caller never saw this secret, so nobody can use it.
            jdbc.sql("delete from gateway.api_keys where id = ?").param(id).update();
            throw e;
        }
        return new IssuedKey(id, secret, prefixOf(secret), find(id).orElseThrow());
    }

    /** Stores a key whose secret was chosen elsewhere (the launcher's bootstrap admin key); idempotent. */
    public void ensureExists(String name, Caller.Role role, String secret) {
        if (!secret.startsWith(PREFIX)) {
            throw new IllegalArgumentException("a Tollgate key starts with " + PREFIX);
        }
        if (resolve(secret).isPresent()) {
            return;
        }
        // Several instances may start at once with the same key: the first insert wins, the others skip.
        String id = "key_" + EventIds.next();
        byte[] hash = Sha256.of(secret);
        int inserted = jdbc.sql("""
                        insert into gateway.api_keys (id, key_hash, key_prefix, name, account_id, role, scopes, created_by)
                        values (?, ?, ?, ?, null, ?, ?::text[], 'system')
                        on conflict (key_hash) do nothing""")
                .params(id, hash, prefixOf(secret), name, role.name().toLowerCase(),
                        toArray(Scope.defaultsFor(role)))
                .update();
        callersByHash.invalidate(HexFormat.of().formatHex(hash));
        if (inserted > 0) {
            audit.record(null, new AdminAction.KeyIssued(id, null, name, prefixOf(secret), role,
                    Scope.defaultsFor(role), null, null));
        }
    }

    private String newSecret() {
        byte[] secretBytes = new byte[32];
        random.nextBytes(secretBytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
    }

    private static String prefixOf(String secret) {
        return secret.substring(0, Math.min(secret.length(), 7));
    }

    /**
     * A child is a user key of its parent's account, with no scope the parent lacks, ending no later than
     * the parent, at most {@link #MAX_LINEAGE_DEPTH} below an admin-issued key.
     */
    private void checkWithinParent(NewKey request, Caller.Role role, Set<Scope> scopes) {
        List<ApiKeyView> lineage = lineage(request.parentId());
        if (lineage.isEmpty() || !lineage.stream().allMatch(ApiKeyView::live)) {
            throw new ParentNotUsable("the key this one would be made with is no longer active");
        }
        ApiKeyView parent = lineage.getFirst();
        if (lineage.size() >= MAX_LINEAGE_DEPTH) {
            throw new ParentNotUsable("keys can be made from keys at most " + MAX_LINEAGE_DEPTH + " levels deep");
        }
        if (role != Caller.Role.USER || !java.util.Objects.equals(parent.accountId(), request.accountId())) {
            throw new ParentNotUsable("a key made with another key is a user key of the same account");
        }
        if (!parent.scopes().containsAll(scopes)) {
            throw new ParentNotUsable("a key cannot have a scope the key it is made with lacks");
        }
        if (parent.appId() != null && !parent.appId().equals(request.appId())) {
            throw new ParentNotUsable("a key made with a key bound to an app is bound to the same app");
        }
        Instant parentEnds = lineage.stream().map(ApiKeyView::endsAt).filter(java.util.Objects::nonNull)
                .min(Instant::compareTo).orElse(null);
        if (parentEnds != null && (request.expiresAt() == null || request.expiresAt().isAfter(parentEnds))) {
            throw new ParentNotUsable("a key cannot outlive the key it is made with (" + parentEnds + ")");
        }
    }

    private String store(String name, String accountId, Caller.Role role, Set<Scope> scopes, Instant expiresAt,
                         String secret, String createdBy, String parentId, String appId) {
        String id = "key_" + EventIds.next();
        byte[] hash = Sha256.of(secret);
        // A child goes in only while its parent is live, holding the parent's row: a revocation of the parent
        // either waits for this insert and then revokes the child too, or commits first and this inserts nothing.
        int inserted = jdbc.sql("""
                        insert into gateway.api_keys (id, key_hash, key_prefix, name, account_id, role, scopes,
                                                      expires_at, created_by, parent_id, app_id)
                        select ?, ?, ?, ?, ?, ?, ?::text[], ?, ?, ?, ?
                        where (?::text is null or exists (
                            select 1 from gateway.api_keys parent
                            where parent.id = ? and (parent.revoked_at is null or parent.revoked_at > now())
                              and (parent.expires_at is null or parent.expires_at > now())
                            for share))
                          and (?::text is null or exists (
                            select 1 from gateway.apps app
                            where app.id = ? and app.account_id = ? and app.disabled_at is null
                            for share))""")
                .params(id, hash, prefixOf(secret), name, accountId, role.name().toLowerCase(), toArray(scopes),
                        expiresAt == null ? null : Timestamp.from(expiresAt), createdBy, parentId, appId,
                        parentId, parentId, appId, appId, accountId)
                .update();
        if (inserted == 0) {
            if (appId != null && !appUsable(appId, accountId)) {
                throw new AppNotUsable("no active app '" + appId + "' in this account");
            }
            throw new ParentNotUsable("the key this one would be made with is no longer active");
        }
        callersByHash.invalidate(HexFormat.of().formatHex(hash));
        return id;
    }

    private boolean appUsable(String appId, String accountId) {
        return jdbc.sql("select exists (select 1 from gateway.apps where id = ? and account_id = ? and disabled_at is null)")
                .params(appId, accountId).query(Boolean.class).single();
    }

    /** Refused because the app a key would be bound to is not an active app of the key's account. */
    public static final class AppNotUsable extends IllegalArgumentException {
        AppNotUsable(String message) {
            super(message);
        }
    }

    /**
     * Ends a key at once, and every key made from it (reason "parent_revoked"). Revoking a revoked key changes
     * nothing; revoking a rotated key still in its grace period ends it now.
     */
    public ApiKeyView revoke(String keyId, Caller actor) {
        ApiKeyView key = find(keyId).orElseThrow(() -> new IllegalStateException("no key " + keyId));
        record Ended(String id, String accountId, Instant at) {
        }
        var outcome = transactions.execute(status -> {
            // Two statements: the second's snapshot is taken after the first waited for any child being made
            // with this key at this moment, so that child is revoked too.
            int changed = jdbc.sql("""
                            update gateway.api_keys set revoked_at = now(), revoked_by = ?
                            where id = ? and (revoked_at is null or revoked_at > now())""")
                    .params(actor.actor(), keyId)
                    .update();
            List<Ended> descendants = jdbc.sql("""
                            with recursive descendant as (
                                select id from gateway.api_keys where parent_id = ?
                                union
                                select child.id from gateway.api_keys child join descendant on child.parent_id = descendant.id
                            )
                            update gateway.api_keys set revoked_at = now(), revoked_by = ?
                            where id in (select id from descendant) and (revoked_at is null or revoked_at > now())
                            returning id, account_id, revoked_at""")
                    .params(keyId, actor.actor())
                    .query((rs, row) -> new Ended(rs.getString(1), rs.getString(2), instant(rs, "revoked_at")))
                    .list();
            return Map.entry(changed, descendants);
        });
        invalidate("key:" + keyId);
        outcome.getValue().forEach(ended -> invalidate("key:" + ended.id()));
        ApiKeyView revoked = find(keyId).orElseThrow();
        if (outcome.getKey() > 0) {
            audit.record(actor, new AdminAction.KeyRevoked(keyId, key.accountId(), "revoked", revoked.revokedAt()));
        }
        for (Ended ended : outcome.getValue()) {
            audit.record(actor, new AdminAction.KeyRevoked(ended.id(), ended.accountId(), "parent_revoked", ended.at()));
        }
        return revoked;
    }

    /**
     * Issues a successor with the same name, account, role, scopes, expiry, parent and stored limits, and hands
     * it the keys made from the old one; the old key keeps working for {@code grace} (zero: it ends now), then
     * stops.
     */
    public IssuedKey rotate(String keyId, Duration grace, Caller actor) {
        if (grace.isNegative()) {
            throw new IllegalArgumentException("the grace period must not be negative");
        }
        ApiKeyView old = find(keyId).orElseThrow(() -> new IllegalStateException("no key " + keyId));
        if (!old.state().equals("active")) {
            throw new IllegalArgumentException("only an active key can be rotated; this one is " + old.state());
        }
        IssuedKey successor = issue(new NewKey(old.name(), old.accountId(), old.role(), old.scopes(), old.expiresAt(),
                old.parentId(), old.appId()), actor, keyId);
        Instant endsAt = Instant.now().plus(grace).truncatedTo(ChronoUnit.MICROS);
        List<String> children;
        boolean limitsCopied;
        try {
            var handedOver = transactions.execute(status -> {
                // The successor is bound exactly as the old key was: otherwise a rotation would shed its limits.
                int copied = jdbc.sql("""
                                insert into gateway.limits (subject_type, subject_id, requests_per_minute, tokens_per_minute,
                                                            concurrent_requests, budget_micros, budget_period, updated_by)
                                select subject_type, ?, requests_per_minute, tokens_per_minute, concurrent_requests,
                                       budget_micros, budget_period, ?
                                from gateway.limits where subject_type = 'key' and subject_id = ?""")
                        .params(successor.id(), actor.actor(), keyId)
                        .update();
                List<String> moved = jdbc.sql("update gateway.api_keys set parent_id = ? where parent_id = ? returning id")
                        .params(successor.id(), keyId)
                        .query(String.class).list();
                jdbc.sql("""
                                update gateway.api_keys set revoked_at = ?, revoked_by = ?, replaced_by = ?
                                where id = ? and (revoked_at is null or revoked_at > ?)""")
                        .params(Timestamp.from(endsAt), actor.actor(), successor.id(), keyId, Timestamp.from(endsAt))
                        .update();
                return Map.entry(copied > 0, moved);
            });
            limitsCopied = handedOver.getKey();
            children = handedOver.getValue();
        } catch (RuntimeException e) {
            // Nobody has seen the successor's secret: without the old key's limits it must not exist.
            jdbc.sql("delete from gateway.api_keys where id = ?").param(successor.id()).update();
            throw e;
        }
        invalidate("key:" + keyId);
        children.forEach(child -> invalidate("key:" + child));
        audit.record(actor, new AdminAction.KeyRevoked(keyId, old.accountId(), "rotated", endsAt));
        if (limitsCopied) {
            jdbc.sql("""
                            select requests_per_minute, tokens_per_minute, concurrent_requests, budget_micros, budget_period
                            from gateway.limits where subject_type = 'key' and subject_id = ?""")
                    .param(successor.id())
                    .query((rs, row) -> new AdminAction.LimitsChanged("key", successor.id(), old.accountId(),
                            nullableLong(rs, "requests_per_minute"), nullableLong(rs, "tokens_per_minute"),
                            rs.getObject("concurrent_requests") == null ? null : rs.getInt("concurrent_requests"),
                            nullableLong(rs, "budget_micros"), rs.getString("budget_period")))
                    .optional()
                    .ifPresent(limits -> audit.record(actor, limits));
        }
        return successor;
    }

    /** The key and every key above it, the key first; empty when it does not exist. */
    public List<ApiKeyView> lineage(String keyId) {
        List<ApiKeyView> lineage = new ArrayList<>();
        String next = keyId;
        while (next != null && lineage.size() <= MAX_LINEAGE_DEPTH) {
            Optional<ApiKeyView> key = find(next);
            if (key.isEmpty()) {
                break;
            }
            lineage.add(key.get());
            next = key.get().parentId();
        }
        return lineage;
    }

    public Optional<ApiKeyView> find(String keyId) {
        return jdbc.sql(SELECT_VIEW + " where id = ?").param(keyId).query(ApiKeys::view).optional();
    }

    /** @param accountId null: every key (admins only) */
    public List<ApiKeyView> list(String accountId) {
        return accountId == null
                ? jdbc.sql(SELECT_VIEW + " order by created_at desc limit 1000").query(ApiKeys::view).list()
                : jdbc.sql(SELECT_VIEW + " where account_id = ? order by created_at desc").param(accountId)
                        .query(ApiKeys::view).list();
    }

    private static final String SELECT_VIEW = """
            select id, name, key_prefix, account_id, role, scopes, created_at, created_by, expires_at,
                   last_used_at, revoked_at, replaced_by, parent_id, app_id
            from gateway.api_keys""";

    private static ApiKeyView view(ResultSet rs, int row) throws SQLException {
        Instant now = Instant.now();
        Instant expiresAt = instant(rs, "expires_at");
        Instant revokedAt = instant(rs, "revoked_at");
        String state;
        if (revokedAt != null && !revokedAt.isAfter(now)) {
            state = "revoked";
        } else if (expiresAt != null && !expiresAt.isAfter(now)) {
            state = "expired";
        } else if (revokedAt != null) {
            state = "rotating";   // replaced; still works until revokedAt
        } else {
            state = "active";
        }
        return new ApiKeyView(rs.getString("id"), rs.getString("name"), rs.getString("key_prefix"),
                rs.getString("account_id"), Caller.Role.valueOf(rs.getString("role").toUpperCase()),
                scopes(rs), instant(rs, "created_at"), rs.getString("created_by"), expiresAt,
                instant(rs, "last_used_at"), revokedAt, rs.getString("replaced_by"), state, rs.getString("parent_id"),
                rs.getString("app_id"));
    }

    /** The caller a secret stands for, if it is a live key. */
    public Optional<Caller> resolve(String secret) {
        if (secret == null || !secret.startsWith(PREFIX)) {
            return Optional.empty();
        }
        byte[] hash = Sha256.of(secret);
        Optional<Resolved> resolved = callersByHash.get(HexFormat.of().formatHex(hash), ignored -> load(hash));
        if (resolved.isEmpty() || !Instant.now().isBefore(resolved.get().validUntil())) {
            return Optional.empty();
        }
        return Optional.of(resolved.get().caller());
    }

    private Optional<Resolved> load(byte[] hash) {
        record Row(Caller caller, Instant validUntil, String parentId) {
        }
        Optional<Row> key = jdbc.sql("""
                        select id, account_id, role, scopes, expires_at, revoked_at, parent_id, app_id from gateway.api_keys
                        where key_hash = ? and (revoked_at is null or revoked_at > now())
                          and (expires_at is null or expires_at > now())""")
                .param(hash)
                .query((rs, row) -> new Row(new Caller(rs.getString("id"), rs.getString("account_id"),
                        Caller.Role.valueOf(rs.getString("role").toUpperCase()), scopes(rs), List.of(),
                        rs.getString("app_id")),
                        earliest(instant(rs, "expires_at"), instant(rs, "revoked_at")), rs.getString("parent_id")))
                .optional();
        if (key.isEmpty()) {
            return Optional.empty();
        }
        Row row = key.get();
        if (row.parentId() == null) {
            return Optional.of(new Resolved(row.caller(), row.validUntil()));
        }
        // A key made from another works only while every key above it does, and no longer than any of them.
        List<String> ancestors = new ArrayList<>();
        Instant validUntil = row.validUntil();
        for (ApiKeyView ancestor : lineage(row.parentId())) {
            if (!ancestor.live()) {
                return Optional.empty();
            }
            ancestors.add(ancestor.id());
            validUntil = earliest(validUntil, ancestor.endsAt());
        }
        if (ancestors.isEmpty() || ancestors.size() > MAX_LINEAGE_DEPTH) {
            return Optional.empty();
        }
        Caller caller = row.caller();
        return Optional.of(new Resolved(new Caller(caller.keyId(), caller.accountId(), caller.role(), caller.scopes(),
                ancestors, caller.appId()), validUntil));
    }

    /** Notes that a key was used; written to the database in the next batch, not on this request's path. */
    public void touch(String keyId) {
        lastUsed.put(keyId, Instant.now());
    }

    void flushLastUsed() {
        if (lastUsed.isEmpty()) {
            return;
        }
        List<Object[]> batch = new ArrayList<>();
        for (String keyId : List.copyOf(lastUsed.keySet())) {
            Instant at = lastUsed.remove(keyId);
            if (at != null) {
                batch.add(new Object[]{Timestamp.from(at), keyId});
            }
        }
        try {
            for (Object[] row : batch) {
                jdbc.sql("update gateway.api_keys set last_used_at = greatest(last_used_at, ?) where id = ?")
                        .params(row).update();
            }
        } catch (RuntimeException e) {
            log.warn("could not record when {} API keys were last used: {}", batch.size(), e.toString());
        }
    }

    @PreDestroy
    void stop() {
        flusher.shutdownNow();
        flushLastUsed();
    }

    @Override
    public void invalidate(String payload) {
        if (payload.startsWith("key:")) {
            String keyId = payload.substring("key:".length());
            callersByHash.asMap().values().removeIf(entry -> entry.isPresent()
                    && (keyId.equals(entry.get().caller().keyId())
                    || entry.get().caller().ancestorKeyIds().contains(keyId)));
        }
    }

    @Override
    public void invalidateAll() {
        callersByHash.invalidateAll();
    }

    private static Instant earliest(Instant a, Instant b) {
        if (a == null) {
            return b == null ? Instant.MAX : b;
        }
        return b == null || a.isBefore(b) ? a : b;
    }

    private static Instant earliestOrNull(Instant a, Instant b) {
        Instant earliest = earliest(a, b);
        return earliest == Instant.MAX ? null : earliest;
    }

    private static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp timestamp = rs.getTimestamp(column);
        return timestamp == null ? null : timestamp.toInstant();
    }

    private static Set<Scope> scopes(ResultSet rs) throws SQLException {
        java.sql.Array array = rs.getArray("scopes");
        if (array == null) {
            return Set.of();
        }
        return Arrays.stream((String[]) array.getArray()).map(Scope::parse)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Scope.class)));
    }

    private static String toArray(Set<Scope> scopes) {
        return scopes.stream().map(Scope::wireName).sorted().collect(Collectors.joining(",", "{", "}"));
    }

}
