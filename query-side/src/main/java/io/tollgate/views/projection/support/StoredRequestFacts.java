package io.tollgate.views.projection.support;

import io.tollgate.events.TollgateEvent;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** Reads, with one query, the facts of the batch's requests that were accepted in an earlier batch. */
public final class StoredRequestFacts {
    private StoredRequestFacts() {
    }

    public static BatchContext load(Connection connection, String schema, List<TollgateEvent> events) throws SQLException {
        BatchContext context = BatchContext.of(events);
        if (context.unknownRequests().isEmpty()) {
            return context;
        }
        try (PreparedStatement select = connection.prepareStatement("select request_id, api_key_id, provider, model, accepted_at, app_id from "
                + schema + ".requests where request_id = any(?) and status <> 'rejected'")) {
            select.setArray(1, Sql.texts(connection, context.unknownRequests()));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    context.withStored(rows.getString(1), new RequestFacts(rows.getString(2), rows.getString(3),
                            rows.getString(4), rows.getTimestamp(5).toInstant(), rows.getString(6)));
                }
            }
        }
        return context;
    }
}
