package io.tollgate.views.projection.support;

import java.time.Instant;

/**
 * What a request's later events (tokens, debit, release) need to be attributed to the same usage bucket
 * as its RequestAccepted: the key, app, provider and model it was accepted for, and when.
 */
public record RequestFacts(String apiKeyId, String provider, String model, Instant acceptedAt, String appId) {
}
