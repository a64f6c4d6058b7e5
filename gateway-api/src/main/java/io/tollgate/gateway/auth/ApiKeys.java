package io.tollgate.gateway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.tollgate.events.EventIds;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Tollgate API keys: {@code tg-} and 256 random bits. Only their SHA-256 is stored (the secret has full
 * entropy, so a fast hash is enough); the secret is returned once, at creation.
 */
@Component
public class ApiKeys {
    public static final String PREFIX = "tg-";
    /** How long a resolved key is trusted without asking the database; bounds how late a revocation bites. */
    private static final Duration CACHE_TTL = Duration.ofSeconds(1);

    private final JdbcClient jdbc;
    private final SecureRandom random = new SecureRandom();
    private final Cache<String, Optional<Caller>> callersByHash = Caffeine.newBuilder()
            .expireAfterWrite(CACHE_TTL)
            .maximumSize(100_000)
            .build();

    public ApiKeys(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public record IssuedKey(String id, String secret, String prefix) {
    }

    public IssuedKey issue(String name, String accountId, Caller.Role role) {
        byte[] secretBytes = new byte[32];
        random.nextBytes(secretBytes);
        String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
        return store(name, accountId, role, secret);
    }

    /** Stores a key whose secret was chosen elsewhere (the launcher's bootstrap admin key); idempotent. */
    public void ensureExists(String name, Caller.Role role, String secret) {
        if (!secret.startsWith(PREFIX)) {
            throw new IllegalArgumentException("a Tollgate key starts with " + PREFIX);
        }
        if (resolve(secret).isEmpty()) {
            store(name, null, role, secret);
        }
    }

    private IssuedKey store(String name, String accountId, Caller.Role role, String secret) {
        String id = "key_" + EventIds.next();
        String prefix = secret.substring(0, Math.min(secret.length(), 7));
        byte[] hash = sha256(secret);
        jdbc.sql("""
                        insert into gateway.api_keys (id, key_hash, key_prefix, name, account_id, role)
                        values (?, ?, ?, ?, ?, ?)""")
                .params(id, hash, prefix, name, accountId, role.name().toLowerCase())
                .update();
        callersByHash.invalidate(HexFormat.of().formatHex(hash));
        return new IssuedKey(id, secret, prefix);
    }

    public Optional<Caller> resolve(String secret) {
        if (secret == null || !secret.startsWith(PREFIX)) {
            return Optional.empty();
        }
        byte[] hash = sha256(secret);
        return callersByHash.get(HexFormat.of().formatHex(hash), key -> jdbc.sql("""
                        select id, account_id, role from gateway.api_keys
                        where key_hash = ? and revoked_at is null""")
                .param(hash)
                .query((rs, row) -> new Caller(rs.getString("id"), rs.getString("account_id"),
                        Caller.Role.valueOf(rs.getString("role").toUpperCase())))
                .optional());
    }

    private static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
