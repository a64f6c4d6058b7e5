package io.tollgate.gateway.idempotency;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Idempotency keys in PostgreSQL, shared by every gateway instance. Times come from the database's
 * clock, so that instances with skewed clocks agree on what has expired or been abandoned.
 */
@Component
class IdempotencyKeyStore {
    /** A claim loses a race at most this often in a row (a row deleted or taken over under it) before giving up. */
    private static final int CLAIM_ATTEMPTS = 3;
    private static final TypeReference<LinkedHashMap<String, List<String>>> HEADERS = new TypeReference<>() {
    };

    private final JdbcClient jdbc;
    private final ObjectMapper json;
    private final IdempotencyProperties properties;

    IdempotencyKeyStore(JdbcClient jdbc, ObjectMapper json, IdempotencyProperties properties) {
        this.jdbc = jdbc;
        this.json = json;
        this.properties = properties;
    }

    /**
     * Claims the key for this request, or says why it cannot. A fresh key costs one statement; two
     * instances racing for it both run the same INSERT and PostgreSQL lets exactly one of them win.
     */
    Claim claim(IdempotencyKey key, String path, byte[] requestHash) {
        for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
            UUID token = UUID.randomUUID();
            if (insert(key, path, requestHash, token)) {
                return new Claim.Acquired(key, token);
            }
            Optional<ExistingKey> found = find(key);
            if (found.isEmpty()) {
                continue; // the cleanup deleted it between the two statements: insert again
            }
            ExistingKey existing = found.get();
            if (existing.expired()) {
                // Past its retention the key is free again, whatever it was used for.
                if (takeOver(key, path, requestHash, existing.token(), token)) {
                    return new Claim.Acquired(key, token);
                }
                continue;
            }
            if (!existing.path().equals(path) || !Arrays.equals(existing.requestHash(), requestHash)) {
                return new Claim.Mismatch();
            }
            if (existing.response() != null) {
                return new Claim.Completed(existing.response());
            }
            if (!existing.abandoned()) {
                return new Claim.InProgress();
            }
            if (existing.charging()) {
                // It may have been billed: running it again could charge twice.
                return new Claim.OutcomeUnknown();
            }
            if (takeOver(key, path, requestHash, existing.token(), token)) {
                return new Claim.Acquired(key, token);
            }
        }
        return new Claim.InProgress();
    }

    private boolean insert(IdempotencyKey key, String path, byte[] requestHash, UUID token) {
        return jdbc.sql("""
                        insert into gateway.idempotency_keys (account_id, idempotency_key, request_path, request_hash,
                            state, claim_token, lease_expires_at, expires_at)
                        values (?, ?, ?, ?, 'in_progress', ?, now() + ? * interval '1 millisecond',
                            now() + ? * interval '1 millisecond')
                        on conflict (account_id, idempotency_key) do nothing""")
                .params(key.scope(), key.value(), path, requestHash, token, properties.abandonAfter().toMillis(),
                        properties.retention().toMillis())
                .update() == 1;
    }

    /**
     * @param response null while the key is in progress
     * @param charging its request had begun to hold credit when it was last seen
     */
    private record ExistingKey(String path, byte[] requestHash, UUID token, StoredResponse response, boolean expired,
                               boolean abandoned, boolean charging) {
    }

    private Optional<ExistingKey> find(IdempotencyKey key) {
        return jdbc.sql("""
                        select request_path, request_hash, state, claim_token, response_status, response_content_type,
                               response_headers, response_body,
                               expires_at <= now() as expired,
                               state <> 'completed' and lease_expires_at <= now() as abandoned
                        from gateway.idempotency_keys
                        where account_id = ? and idempotency_key = ?""")
                .params(key.scope(), key.value())
                .query((rs, row) -> new ExistingKey(rs.getString("request_path"), rs.getBytes("request_hash"),
                        rs.getObject("claim_token", UUID.class),
                        "completed".equals(rs.getString("state")) ? storedResponse(rs) : null,
                        rs.getBoolean("expired"), rs.getBoolean("abandoned"), "charging".equals(rs.getString("state"))))
                .optional();
    }

    /**
     * Compare-and-set on the token seen: of several retries taking over the same row one wins, and an
     * owner that renewed its lease in the meantime keeps it.
     */
    private boolean takeOver(IdempotencyKey key, String path, byte[] requestHash, UUID seenToken, UUID token) {
        return jdbc.sql("""
                        update gateway.idempotency_keys
                        set request_path = ?, request_hash = ?, state = 'in_progress', claim_token = ?,
                            lease_expires_at = now() + ? * interval '1 millisecond',
                            response_status = null, response_content_type = null, response_headers = null,
                            response_body = null, created_at = now(), completed_at = null,
                            expires_at = now() + ? * interval '1 millisecond'
                        where account_id = ? and idempotency_key = ? and claim_token = ?
                          and (expires_at <= now() or (state = 'in_progress' and lease_expires_at <= now()))""")
                .params(path, requestHash, token, properties.abandonAfter().toMillis(),
                        properties.retention().toMillis(), key.scope(), key.value(), seenToken)
                .update() == 1;
    }

    /**
     * Notes that the request is about to hold credit, before it does: should its owner stop renewing the
     * key before the outcome is stored, no retry runs it again. Returns false when the claim was lost.
     */
    boolean markCharging(Claim.Acquired claim) {
        return jdbc.sql("""
                        update gateway.idempotency_keys set state = 'charging'
                        where account_id = ? and idempotency_key = ? and claim_token = ? and state = 'in_progress'""")
                .params(claim.key().scope(), claim.key().value(), claim.token())
                .update() == 1;
    }

    /**
     * Keeps the outcome for replay; the retention counts from now. Returns false when the claim was lost
     * (the request outlived its lease and a retry took the key over).
     */
    boolean complete(Claim.Acquired claim, StoredResponse response) {
        return jdbc.sql("""
                        update gateway.idempotency_keys
                        set state = 'completed', response_status = ?, response_content_type = ?,
                            response_headers = ?::jsonb, response_body = ?, completed_at = now(),
                            expires_at = now() + ? * interval '1 millisecond'
                        where account_id = ? and idempotency_key = ? and claim_token = ?""")
                .params(response.status(), response.contentType(), headersJson(response.headers()), response.body(),
                        properties.retention().toMillis(), claim.key().scope(), claim.key().value(), claim.token())
                .update() == 1;
    }

    /** Forgets the key, so that the client can send the request again (after fixing it, or topping up). */
    void release(Claim.Acquired claim) {
        jdbc.sql("delete from gateway.idempotency_keys where account_id = ? and idempotency_key = ? and claim_token = ?")
                .params(claim.key().scope(), claim.key().value(), claim.token())
                .update();
    }

    /** Extends the leases of requests this instance is still running, in one statement. */
    void renewLeases(Collection<Claim.Acquired> claims) {
        if (claims.isEmpty()) {
            return;
        }
        String[] scopes = claims.stream().map(c -> c.key().scope()).toArray(String[]::new);
        String[] keys = claims.stream().map(c -> c.key().value()).toArray(String[]::new);
        String[] tokens = claims.stream().map(c -> c.token().toString()).toArray(String[]::new);
        jdbc.sql("""
                        update gateway.idempotency_keys k
                        set lease_expires_at = now() + ? * interval '1 millisecond'
                        from unnest(?::text[], ?::text[], ?::text[]) as mine(account_id, idempotency_key, claim_token)
                        where k.account_id = mine.account_id and k.idempotency_key = mine.idempotency_key
                          and k.claim_token = mine.claim_token::uuid and k.state <> 'completed'""")
                .params(properties.abandonAfter().toMillis(), scopes, keys, tokens)
                .update();
    }

    /**
     * Deletes up to {@code limit} expired keys. SKIP LOCKED lets several instances clean at once without
     * waiting on each other or on a request taking an expired key over.
     */
    int deleteExpired(int limit) {
        return jdbc.sql("""
                        delete from gateway.idempotency_keys
                        where (account_id, idempotency_key) in (
                            select account_id, idempotency_key from gateway.idempotency_keys
                            where expires_at <= now()
                            limit ? for update skip locked)""")
                .param(limit)
                .update();
    }

    private StoredResponse storedResponse(ResultSet rs) throws SQLException {
        String headers = rs.getString("response_headers");
        return new StoredResponse(rs.getInt("response_status"), rs.getString("response_content_type"),
                headers == null ? Map.of() : parseHeaders(headers), rs.getBytes("response_body"));
    }

    private Map<String, List<String>> parseHeaders(String headers) {
        try {
            return json.readValue(headers, HEADERS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored response headers are not JSON", e);
        }
    }

    private String headersJson(Map<String, List<String>> headers) {
        try {
            return json.writeValueAsString(headers);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response headers cannot be written as JSON", e);
        }
    }
}
