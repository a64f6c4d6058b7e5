package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/**
 * A provider credential was added, replaced, disabled, enabled or removed. Carries the masked form only
 * (e.g. {@code sk-…wxyz}), never the secret.
 *
 * @param accountId always {@link AdminTrail#SYSTEM_ACCOUNT}
 * @param change    "added", "replaced", "disabled", "enabled", "removed" or "re-encrypted"
 */
public record CredentialChanged(UUID eventId, Instant occurredAt, String accountId, String provider,
                                String credentialId, String change, String masked, String actor)
        implements TollgateEvent {
}
