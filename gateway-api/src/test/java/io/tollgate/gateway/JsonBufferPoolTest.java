package io.tollgate.gateway;

import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.RecyclerPool;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/** Requests run on virtual threads of their own; the JSON buffers one request gave back serve the next. */
class JsonBufferPoolTest extends GatewayTestBase {
    static final int REQUESTS = 50;

    @Autowired
    ObjectMapper json;

    @Test
    void requestsOnFreshVirtualThreadsReuseTheBuffersOfTheOnesBefore() throws Exception {
        assertThat(distinctBuffersOfSequentialRequests(json.getFactory()._getRecyclerPool()))
                .as("buffers allocated by %d requests in a row, each on a new virtual thread", REQUESTS)
                .isLessThan(10);
    }

    /**
     * How many distinct buffer sets serve requests that come one after another, each on a virtual thread of its
     * own. With a thread-local pool every request gets a new one; with a shared pool the few already pooled
     * (the gateway's own background work may hold or add one meanwhile) serve them all.
     */
    private static int distinctBuffersOfSequentialRequests(RecyclerPool<BufferRecycler> pool) throws Exception {
        Set<BufferRecycler> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < REQUESTS; i++) {
                seen.add(executor.submit(() -> {
                    BufferRecycler recycler = pool.acquireAndLinkPooled();
                    recycler.releaseToPool();
                    return recycler;
                }).get());
            }
        }
        return seen.size();
    }
}
