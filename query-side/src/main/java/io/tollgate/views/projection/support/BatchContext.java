package io.tollgate.views.projection.support;

import io.tollgate.events.RequestAccepted;
import io.tollgate.events.RequestScoped;
import io.tollgate.events.TollgateEvent;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per-batch lookups shared by the projections: the facts of every request the batch touches, from the batch
 * itself or, for requests accepted in an earlier batch, from the stored call history
 * ({@link StoredRequestFacts} reads those with one query).
 */
public final class BatchContext {
    private final Map<String, RequestFacts> requests;
    private final Set<String> unknown;

    private BatchContext(Map<String, RequestFacts> requests, Set<String> unknown) {
        this.requests = requests;
        this.unknown = unknown;
    }

    /** The facts the batch brings itself; {@link #unknownRequests()} are those it refers to without them. */
    public static BatchContext of(List<TollgateEvent> events) {
        Map<String, RequestFacts> facts = new HashMap<>();
        Set<String> unknown = new LinkedHashSet<>();
        for (TollgateEvent event : events) {
            if (event instanceof RequestAccepted accepted) {
                facts.put(accepted.requestId(), new RequestFacts(accepted.apiKeyId(), accepted.provider(),
                        accepted.model(), accepted.occurredAt(), accepted.appId()));
            } else if (event instanceof RequestScoped scoped && !facts.containsKey(scoped.requestId())) {
                unknown.add(scoped.requestId());
            }
        }
        unknown.removeAll(facts.keySet());
        return new BatchContext(facts, unknown);
    }

    /** Requests of the batch accepted in an earlier batch (or never): their facts are stored, if anywhere. */
    public Set<String> unknownRequests() {
        return unknown;
    }

    /** The stored facts of a request accepted in an earlier batch. */
    public BatchContext withStored(String requestId, RequestFacts facts) {
        requests.put(requestId, facts);
        return this;
    }

    /** Null for a request that was never accepted (rejected, or its RequestAccepted is missing). */
    public RequestFacts request(String requestId) {
        return requests.get(requestId);
    }
}
