package io.tollgate.events;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A Tollgate API key was issued. Never carries the secret or its hash, only the prefix shown in listings.
 *
 * @param accountId     the owning account, or {@link AdminTrail#SYSTEM_ACCOUNT} for a key without one
 * @param role          "admin" or "user"
 * @param scopes        what the key may call: chat, embeddings, images, admin
 * @param expiresAt     null when the key does not expire
 * @param replacesKeyId the key this one rotates, or null for a new key
 * @param actor         who issued it: an API key id or {@code jwt:} and a token subject
 */
public record ApiKeyIssued(UUID eventId, Instant occurredAt, String accountId, String keyId, String name,
                           String keyPrefix, String role, List<String> scopes, Instant expiresAt,
                           String replacesKeyId, String actor)
        implements TollgateEvent {
}
