package io.tollgate.gateway.metering;

import io.tollgate.ledger.api.ModelRate;

/**
 * What a request asks of the ledger, in the ledger's terms: its worst case is the input estimate plus
 * the output limit (the client's, or {@code defaultMaxTokens}) at the rate of the dearest deployment.
 *
 * @param requestedMaxTokens null when the client set no limit
 * @param minOutputTokens    below this affordable output the request is refused instead of clamped
 * @param appId              the app the request is made for, or null
 */
public record RequestFacts(String accountId, String requestId, String apiKeyId, String provider, String model,
                           String apiFormat, boolean stream, long estimatedInputTokens, Integer requestedMaxTokens,
                           int defaultMaxTokens, int minOutputTokens, ModelRate rate, String appId) {

    public RequestFacts(String accountId, String requestId, String apiKeyId, String provider, String model,
                        String apiFormat, boolean stream, long estimatedInputTokens, Integer requestedMaxTokens,
                        int defaultMaxTokens, int minOutputTokens, ModelRate rate) {
        this(accountId, requestId, apiKeyId, provider, model, apiFormat, stream, estimatedInputTokens,
                requestedMaxTokens, defaultMaxTokens, minOutputTokens, rate, null);
    }
}
