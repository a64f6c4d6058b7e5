package io.tollgate.mock;

import java.util.Map;

/**
 * A snapshot of the requests a {@link MockProvider} received since it started or was last reset.
 *
 * @param totalRequests      all provider-API requests, whatever their outcome
 * @param requestsByEndpoint the same requests split by endpoint; every endpoint is present
 */
public record MockProviderStats(long totalRequests, Map<MockEndpoint, Long> requestsByEndpoint) {

    public MockProviderStats {
        requestsByEndpoint = Map.copyOf(requestsByEndpoint);
    }

    public long requests(MockEndpoint endpoint) {
        return requestsByEndpoint.getOrDefault(endpoint, 0L);
    }
}
