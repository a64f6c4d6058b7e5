package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/**
 * One attempt at an upstream call.
 *
 * @param httpStatus 0 when no HTTP status arrived (connect failure, timeout)
 * @param ttfbMillis null when no byte arrived
 * @param errorClass null on success, else e.g. "rate_limited", "upstream_5xx", "timeout", "io"
 */
public record ProviderCalled(UUID eventId, Instant occurredAt, String accountId, String requestId,
                             String provider, String model, String credentialId, int attempt, int httpStatus,
                             long latencyMillis, Long ttfbMillis, String errorClass)
        implements TollgateEvent, RequestScoped {
}
