package io.tollgate.views.projection;

import io.tollgate.events.TollgateEvent;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * One view's share of a batch: it sees every new event of the batch in log order, aggregates in memory,
 * and then writes the result with a few multi-row statements. A fresh instance serves each batch.
 */
public interface ViewWriter {

    void apply(TollgateEvent event, BatchContext context);

    void write(Connection connection, String schema) throws SQLException;
}
