package io.tollgate.gateway.usage;

/**
 * What a settled request used and cost, left on the servlet request for filters that run after the
 * request path (limits).
 */
public record SettledUsage(long inputTokens, long outputTokens, long debitedMicroCredits) {
    public static final String REQUEST_ATTRIBUTE = "io.tollgate.gateway.usage.SettledUsage";
}
