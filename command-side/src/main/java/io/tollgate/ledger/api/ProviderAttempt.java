package io.tollgate.ledger.api;

/** One upstream call as the gateway saw it; see {@link io.tollgate.events.ProviderCalled}. */
public record ProviderAttempt(String provider, String model, String credentialId, int attempt, int httpStatus,
                              long latencyMillis, Long ttfbMillis, String errorClass) {
}
