package io.tollgate.gateway.providers;

/**
 * What one upstream attempt looked like, for the ProviderCalled event.
 *
 * @param httpStatus 0 when no status arrived
 * @param ttfbMillis null when no response arrived
 * @param errorClass null on success
 */
public record UpstreamCall(String credentialId, int httpStatus, long latencyMillis, Long ttfbMillis,
                           String errorClass) {

    public static String classify(int httpStatus) {
        if (httpStatus >= 200 && httpStatus < 300) {
            return null;
        }
        if (httpStatus == 429) {
            return "rate_limited";
        }
        if (httpStatus == 401 || httpStatus == 403) {
            return "auth";
        }
        return httpStatus >= 500 ? "upstream_5xx" : "upstream_4xx";
    }
}
