package io.tollgate.views.projection.support;

import io.tollgate.events.TollgateEvent;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * One view's share of a batch: it sees every new event of the batch in log order, aggregates in memory,
 * and then writes the result with a few multi-row statements (or COPY).
 *
 * <p>Live, a fresh instance serves each batch. In a rebuild ({@link EventBatchProjector#bulk()}) one
 * instance serves every batch of a writer lane and may hold rows back across batches (account totals,
 * open usage hours) to write each once, in {@link #finish}; what it holds changes only in
 * {@link #committed()}, so a batch that is rolled back (and split to find a poisoned record) leaves no trace.
 */
public interface ViewWriter {

    /** A new batch starts; whatever an earlier, rolled back batch left is dropped. */
    default void begin() {
    }

    void apply(TollgateEvent event, BatchContext context);

    void write(Connection connection, String schema) throws SQLException;

    /** The batch's transaction committed. */
    default void committed() {
    }

    /** Bulk only: writes what was held back, after the last batch. */
    default void finish(Connection connection, String schema) throws SQLException {
    }
}
