package io.tollgate.views.projection.support;

import io.tollgate.events.RequestAccepted;
import io.tollgate.events.RequestScoped;
import io.tollgate.events.TollgateEvent;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per-batch lookups shared by the writers: the facts of every request the batch touches, from the batch
 * itself or, for requests accepted in an earlier batch, from the call history with one query.
 */
public final class BatchContext {
    private final Map<String, RequestFacts> requests;

    private BatchContext(Map<String, RequestFacts> requests) {
        this.requests = requests;
    }

    public static BatchContext load(Connection connection, String schema, List<TollgateEvent> events) throws SQLException {
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
        if (!unknown.isEmpty()) {
            try (PreparedStatement select = connection.prepareStatement("select request_id, api_key_id, provider, model, accepted_at, app_id from "
                    + schema + ".requests where request_id = any(?) and status <> 'rejected'")) {
                select.setArray(1, Sql.texts(connection, unknown));
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        facts.put(rows.getString(1), new RequestFacts(rows.getString(2), rows.getString(3),
                                rows.getString(4), rows.getTimestamp(5).toInstant(), rows.getString(6)));
                    }
                }
            }
        }
        return new BatchContext(facts);
    }

    /** Null for a request that was never accepted (rejected, or its RequestAccepted is missing). */
    public RequestFacts request(String requestId) {
        return requests.get(requestId);
    }
}
