package io.tollgate.mock;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/** Thread-safe request counts per endpoint. */
final class RequestCounters {
    private static final MockEndpoint[] ENDPOINTS = MockEndpoint.values();

    private final AtomicLongArray counts = new AtomicLongArray(ENDPOINTS.length);

    void record(MockEndpoint endpoint) {
        counts.incrementAndGet(endpoint.ordinal());
    }

    long total() {
        long total = 0;
        for (int i = 0; i < counts.length(); i++) {
            total += counts.get(i);
        }
        return total;
    }

    MockProviderStats snapshot() {
        Map<MockEndpoint, Long> byEndpoint = new EnumMap<>(MockEndpoint.class);
        long total = 0;
        for (MockEndpoint endpoint : ENDPOINTS) {
            long count = counts.get(endpoint.ordinal());
            byEndpoint.put(endpoint, count);
            total += count;
        }
        return new MockProviderStats(total, byEndpoint);
    }

    void reset() {
        for (int i = 0; i < counts.length(); i++) {
            counts.set(i, 0);
        }
    }
}
