package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/**
 * A request refused before anything was sent upstream.
 *
 * @param reason a stable machine-readable code, e.g. "insufficient_credit"
 */
public record RequestRejected(UUID eventId, Instant occurredAt, String accountId, String requestId,
                              String model, String reason, int httpStatus, String message)
        implements TollgateEvent, RequestScoped {
}
