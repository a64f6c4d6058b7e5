package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/**
 * The gateway took a request on for an account.
 *
 * @param apiFormat the client's wire format, e.g. "openai.chat"
 * @param requestedMaxTokens null when the client set none
 */
public record RequestAccepted(UUID eventId, Instant occurredAt, String accountId, String requestId,
                              String apiKeyId, String provider, String model, String apiFormat, boolean stream,
                              long estimatedInputTokens, Integer requestedMaxTokens)
        implements TollgateEvent, RequestScoped {
}
