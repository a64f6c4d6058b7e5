package io.tollgate.views.projection;

import io.tollgate.events.TollgateEvent;
import io.tollgate.views.billing.BillingWriter;
import io.tollgate.views.history.RequestHistoryWriter;
import io.tollgate.views.projection.support.BatchContext;
import io.tollgate.views.projection.support.StoredRequestFacts;
import io.tollgate.views.projection.support.ViewWriter;
import io.tollgate.views.usage.UsageBucketsWriter;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Supplier;

/**
 * Applies one batch of new events (the runner has told them from duplicates) to every view of a schema
 * inside the caller's transaction: each view aggregates the batch in memory and writes it with a few
 * multi-row statements.
 */
public final class EventBatchProjector {
    private final Supplier<List<ViewWriter>> writers;
    /** Bulk: the same writers serve every batch (see ViewWriter); live: fresh ones per batch. */
    private final List<ViewWriter> kept;
    private List<ViewWriter> current = List.of();

    public EventBatchProjector(Supplier<List<ViewWriter>> writers) {
        this.writers = writers;
        this.kept = null;
    }

    private EventBatchProjector(List<ViewWriter> kept) {
        this.writers = null;
        this.kept = kept;
    }

    /** Billing, call history and usage analytics: every view of schema views. */
    public static EventBatchProjector allViews() {
        return new EventBatchProjector(() -> List.of(new BillingWriter(), new RequestHistoryWriter(),
                new UsageBucketsWriter()));
    }

    /**
     * Every view, for a rebuild into a fresh schema by one writer per partition set: account and lease rows
     * and usage hours are held in memory and written once (COPY), new request rows and ledger lines are
     * copied in. Call {@link #finish} after the last batch.
     */
    public static EventBatchProjector bulk() {
        return new EventBatchProjector(List.of(BillingWriter.bulk(), RequestHistoryWriter.bulk(),
                UsageBucketsWriter.bulk()));
    }

    public boolean isBulk() {
        return kept != null;
    }

    public void project(Connection connection, String schema, List<TollgateEvent> fresh) throws SQLException {
        current = kept != null ? kept : fresh.isEmpty() ? List.of() : writers.get();
        for (ViewWriter view : current) {
            view.begin();
        }
        if (fresh.isEmpty()) {
            return;
        }
        long t = Phases.start();
        BatchContext context = StoredRequestFacts.load(connection, schema, fresh);
        t = Phases.lap("project: context", t);
        for (TollgateEvent event : fresh) {
            for (ViewWriter view : current) {
                view.apply(event, context);
            }
        }
        t = Phases.lap("project: apply", t);
        for (ViewWriter view : current) {
            view.write(connection, schema);
            t = Phases.lap("project: write " + view.getClass().getSimpleName(), t);
        }
    }

    /** The transaction of the last {@link #project} committed. */
    public void committed() {
        for (ViewWriter view : current) {
            view.committed();
        }
        current = List.of();
    }

    public void finish(Connection connection, String schema) throws SQLException {
        if (kept != null) {
            for (ViewWriter view : kept) {
                view.finish(connection, schema);
            }
        }
    }
}
