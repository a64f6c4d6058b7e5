package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/**
 * A request refused before anything was sent upstream.
 *
 * @param reason a stable machine-readable code, e.g. "insufficient_credit"
 * @param appId  the calling application, as on {@link RequestAccepted}; null when none, and in events from
 *               before apps
 */
public record RequestRejected(UUID eventId, Instant occurredAt, String accountId, String requestId,
                              String model, String reason, int httpStatus, String message, String appId)
        implements TollgateEvent, RequestScoped {

    /** A refusal of a request of no app, as every refusal was before apps. */
    public RequestRejected(UUID eventId, Instant occurredAt, String accountId, String requestId, String model,
                           String reason, int httpStatus, String message) {
        this(eventId, occurredAt, accountId, requestId, model, reason, httpStatus, message, null);
    }
}
