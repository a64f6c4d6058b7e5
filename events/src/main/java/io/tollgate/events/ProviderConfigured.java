package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/**
 * An upstream provider was registered, changed, enabled, disabled or removed. Never carries a credential.
 *
 * @param accountId always {@link AdminTrail#SYSTEM_ACCOUNT}
 * @param change    "registered", "updated", "enabled", "disabled" or "removed"
 */
public record ProviderConfigured(UUID eventId, Instant occurredAt, String accountId, String provider,
                                 String wireFormat, String baseUrl, String change, String actor)
        implements TollgateEvent {
}
