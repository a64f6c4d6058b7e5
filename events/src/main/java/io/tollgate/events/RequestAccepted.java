package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/**
 * The gateway took a request on for an account.
 *
 * @param apiFormat the client's wire format, e.g. "openai.chat"
 * @param requestedMaxTokens null when the client set none
 * @param reservedMicros the worst case held for it (0 in events from before credit leases)
 * @param leaseId the credit lease it was reserved on; null in events from before credit leases
 * @param appId the calling application (an app of the account): the {@code x-tollgate-app} header or the app the
 *              key is bound to; null when the request named none, and in events from before apps
 */
public record RequestAccepted(UUID eventId, Instant occurredAt, String accountId, String requestId,
                              String apiKeyId, String provider, String model, String apiFormat, boolean stream,
                              long estimatedInputTokens, Integer requestedMaxTokens, long reservedMicros,
                              String leaseId, String appId)
        implements TollgateEvent, RequestScoped {

    public RequestAccepted(UUID eventId, Instant occurredAt, String accountId, String requestId, String apiKeyId,
                           String provider, String model, String apiFormat, boolean stream,
                           long estimatedInputTokens, Integer requestedMaxTokens) {
        this(eventId, occurredAt, accountId, requestId, apiKeyId, provider, model, apiFormat, stream,
                estimatedInputTokens, requestedMaxTokens, 0, null, null);
    }

    /** A request of no app, as every request was before apps. */
    public RequestAccepted(UUID eventId, Instant occurredAt, String accountId, String requestId, String apiKeyId,
                           String provider, String model, String apiFormat, boolean stream,
                           long estimatedInputTokens, Integer requestedMaxTokens, long reservedMicros,
                           String leaseId) {
        this(eventId, occurredAt, accountId, requestId, apiKeyId, provider, model, apiFormat, stream,
                estimatedInputTokens, requestedMaxTokens, reservedMicros, leaseId, null);
    }
}
