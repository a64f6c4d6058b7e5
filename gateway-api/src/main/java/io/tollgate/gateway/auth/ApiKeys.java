package io.tollgate.gateway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.tollgate.events.EventIds;
import io.tollgate.gateway.audit.AdminAction;
import io.tollgate.gateway.audit.AdminAudit;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
 * <p>Resolving a key is a cache hit on the hot path. An entry lives at most {@code tollgate.auth.key-cache-ttl}
 * (1 s), and every instance drops it at once when the key changes: the database notifies them
 * ({@link AuthInvalidation}). Last use is remembered in memory and written in one batch every few seconds.
 */
@Component
public class ApiKeys implements AuthInvalidation.Listener {
    public static final String PREFIX = "tg-";
    private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);

    private final JdbcClient jdbc;
    private final AdminAudit audit;
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

    public ApiKeys(JdbcClient jdbc, AdminAudit audit, AuthProperties properties) {
        this.jdbc = jdbc;
        this.audit = audit;
        this.callersByHash = Caffeine.newBuilder()
                .expireAfterWrite(properties.keyCacheTtl())
                .maximumSize(100_000)
                .build();
        long flushMillis = properties.lastUsedFlushInterval().toMillis();
        flusher.scheduleWithFixedDelay(this::flushLastUsed, flushMillis, flushMillis, TimeUnit.MILLISECONDS);
    }

    public record IssuedKey(String id, String secret, String prefix, ApiKeyView view) {
    }

    /** What the API shows of a key: never its secret or hash. */
    public record ApiKeyView(String id, String name, String prefix, String accountId, Caller.Role role,
                             Set<Scope> scopes, Instant createdAt, String createdBy, Instant expiresAt,
                             Instant lastUsedAt, Instant revokedAt, String replacedBy, String state) {
    }

    /** @param scopes null: the role's defaults; @param expiresAt null: never */
    public record NewKey(String name, String accountId, Caller.Role role, Set<Scope> scopes, Instant expiresAt) {
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
        String secret = newSecret();
        String id = store(request.name(), request.accountId(), role, scopes, request.expiresAt(), secret,
                actor != null ? actor.actor() : "system");
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
        int inserted = jdbc.sql("""
                        insert into gateway.api_keys (id, key_hash, key_prefix, name, account_id, role, scopes, created_by)
                        values (?, ?, ?, ?, null, ?, ?::text[], 'system')
                        on conflict (key_hash) do nothing""")
                .params(id, sha256(secret), prefixOf(secret), name, role.name().toLowerCase(),
                        toArray(Scope.defaultsFor(role)))
                .update();
        callersByHash.invalidate(HexFormat.of().formatHex(sha256(secret)));
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

    private String store(String name, String accountId, Caller.Role role, Set<Scope> scopes, Instant expiresAt,
                         String secret, String createdBy) {
        String id = "key_" + EventIds.next();
        byte[] hash = sha256(secret);
        jdbc.sql("""
                        insert into gateway.api_keys (id, key_hash, key_prefix, name, account_id, role, scopes,
                                                      expires_at, created_by)
                        values (?, ?, ?, ?, ?, ?, ?::text[], ?, ?)""")
                .params(id, hash, prefixOf(secret), name, accountId, role.name().toLowerCase(), toArray(scopes),
                        expiresAt == null ? null : Timestamp.from(expiresAt), createdBy)
                .update();
        callersByHash.invalidate(HexFormat.of().formatHex(hash));
        return id;
    }

    /**
     * Ends a key at once. Revoking a revoked key changes nothing; revoking a rotated key still in its grace
     * period ends it now.
     */
    public ApiKeyView revoke(String keyId, Caller actor) {
        ApiKeyView key = find(keyId).orElseThrow(() -> new IllegalStateException("no key " + keyId));
        int changed = jdbc.sql("""
                        update gateway.api_keys set revoked_at = now(), revoked_by = ?
                        where id = ? and (revoked_at is null or revoked_at > now())""")
                .params(actor.actor(), keyId)
                .update();
        invalidate("key:" + keyId);
        ApiKeyView revoked = find(keyId).orElseThrow();
        if (changed > 0) {
            audit.record(actor, new AdminAction.KeyRevoked(keyId, key.accountId(), "revoked", revoked.revokedAt()));
        }
        return revoked;
    }

    /**
     * Issues a successor with the same name, account, role, scopes and expiry; the old key keeps working
     * for {@code grace} (zero: it ends now), then stops.
     */
    public IssuedKey rotate(String keyId, Duration grace, Caller actor) {
        if (grace.isNegative()) {
            throw new IllegalArgumentException("the grace period must not be negative");
        }
        ApiKeyView old = find(keyId).orElseThrow(() -> new IllegalStateException("no key " + keyId));
        if (!old.state().equals("active")) {
            throw new IllegalArgumentException("only an active key can be rotated; this one is " + old.state());
        }
        IssuedKey successor = issue(new NewKey(old.name(), old.accountId(), old.role(), old.scopes(), old.expiresAt()),
                actor, keyId);
        Instant endsAt = Instant.now().plus(grace).truncatedTo(ChronoUnit.MICROS);
        jdbc.sql("""
                        update gateway.api_keys set revoked_at = ?, revoked_by = ?, replaced_by = ?
                        where id = ? and (revoked_at is null or revoked_at > ?)""")
                .params(Timestamp.from(endsAt), actor.actor(), successor.id(), keyId, Timestamp.from(endsAt))
                .update();
        invalidate("key:" + keyId);
        audit.record(actor, new AdminAction.KeyRevoked(keyId, old.accountId(), "rotated", endsAt));
        return successor;
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
                   last_used_at, revoked_at, replaced_by
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
                instant(rs, "last_used_at"), revokedAt, rs.getString("replaced_by"), state);
    }

    /** The caller a secret stands for, if it is a live key. */
    public Optional<Caller> resolve(String secret) {
        if (secret == null || !secret.startsWith(PREFIX)) {
            return Optional.empty();
        }
        byte[] hash = sha256(secret);
        Optional<Resolved> resolved = callersByHash.get(HexFormat.of().formatHex(hash), ignored -> load(hash));
        if (resolved.isEmpty() || !Instant.now().isBefore(resolved.get().validUntil())) {
            return Optional.empty();
        }
        return Optional.of(resolved.get().caller());
    }

    private Optional<Resolved> load(byte[] hash) {
        return jdbc.sql("""
                        select id, account_id, role, scopes, expires_at, revoked_at from gateway.api_keys
                        where key_hash = ? and (revoked_at is null or revoked_at > now())
                          and (expires_at is null or expires_at > now())""")
                .param(hash)
                .query((rs, row) -> {
                    Instant validUntil = earliest(instant(rs, "expires_at"), instant(rs, "revoked_at"));
                    return new Resolved(new Caller(rs.getString("id"), rs.getString("account_id"),
                            Caller.Role.valueOf(rs.getString("role").toUpperCase()), scopes(rs)), validUntil);
                })
                .optional();
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
                    && keyId.equals(entry.get().caller().keyId()));
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

    static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
