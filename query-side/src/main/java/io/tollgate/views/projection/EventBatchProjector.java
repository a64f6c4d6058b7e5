package io.tollgate.views.projection;

import io.tollgate.events.TollgateEvent;
import io.tollgate.views.billing.BillingWriter;
import io.tollgate.views.history.RequestHistoryWriter;
import io.tollgate.views.usage.UsageBucketsWriter;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Applies one batch of events to every view of a schema inside the caller's transaction: first the
 * batch's event ids go into processed_events in one statement, and only the ids that were new there are
 * projected (I4: a redelivered event changes nothing); then each view aggregates the batch in memory
 * and writes it with one multi-row statement per table.
 */
public final class EventBatchProjector {
    private final Supplier<List<ViewWriter>> writers;
    /** Null: the database decides what is new. Otherwise the ids this projector has seen (a rebuild). */
    private final Set<UUID> seenInMemory;

    public EventBatchProjector(Supplier<List<ViewWriter>> writers) {
        this(writers, null);
    }

    private EventBatchProjector(Supplier<List<ViewWriter>> writers, Set<UUID> seenInMemory) {
        this.writers = writers;
        this.seenInMemory = seenInMemory;
    }

    /**
     * For a rebuild into a fresh schema, by one writer that sees every event of its partitions: it tells
     * new from redelivered by the ids it has seen (a duplicate has the same key, so the same partition,
     * so the same writer), and only appends the new ids to processed_events, which then needs no index
     * while loading; {@code ViewsReplay} builds the primary key once at the end, in bulk, so that the live
     * consumer dedupes against it after the swap. Costs about 100 bytes of heap per event replayed.
     */
    public EventBatchProjector rememberingIdsInMemory() {
        return new EventBatchProjector(writers, new HashSet<>());
    }

    /** Billing, call history and usage analytics: every view of schema views. */
    public static EventBatchProjector allViews() {
        return new EventBatchProjector(() -> List.of(new BillingWriter(), new RequestHistoryWriter(),
                new UsageBucketsWriter()));
    }

    /** @return the events that were new, in log order; the others were applied before */
    public List<TollgateEvent> project(Connection connection, String schema, List<TollgateEvent> events)
            throws SQLException {
        List<TollgateEvent> fresh = firstSightings(connection, schema, events);
        if (fresh.isEmpty()) {
            return fresh;
        }
        BatchContext context = BatchContext.load(connection, schema, fresh);
        List<ViewWriter> views = writers.get();
        for (TollgateEvent event : fresh) {
            for (ViewWriter view : views) {
                view.apply(event, context);
            }
        }
        for (ViewWriter view : views) {
            view.write(connection, schema);
        }
        return fresh;
    }

    private List<TollgateEvent> firstSightings(Connection connection, String schema, List<TollgateEvent> events)
            throws SQLException {
        if (seenInMemory != null) {
            return firstSightingsInMemory(connection, schema, events);
        }
        // The same id twice in one batch is a redelivery too; keep its first occurrence.
        Map<UUID, TollgateEvent> byId = new LinkedHashMap<>();
        for (TollgateEvent event : events) {
            byId.putIfAbsent(event.eventId(), event);
        }
        if (byId.isEmpty()) {
            return List.of();
        }
        Set<UUID> inserted = new HashSet<>(byId.size() * 2);
        try (PreparedStatement insert = connection.prepareStatement("insert into " + schema
                + ".processed_events (event_id) select unnest(?::uuid[]) on conflict do nothing returning event_id")) {
            insert.setArray(1, Sql.texts(connection, byId.keySet().stream().map(UUID::toString).toList()));
            try (ResultSet rows = insert.executeQuery()) {
                while (rows.next()) {
                    inserted.add(rows.getObject(1, UUID.class));
                }
            }
        }
        List<TollgateEvent> fresh = new ArrayList<>(inserted.size());
        for (TollgateEvent event : byId.values()) {
            if (inserted.contains(event.eventId())) {
                fresh.add(event);
            }
        }
        return fresh;
    }

    private List<TollgateEvent> firstSightingsInMemory(Connection connection, String schema, List<TollgateEvent> events)
            throws SQLException {
        List<TollgateEvent> fresh = new ArrayList<>(events.size());
        List<String> ids = new ArrayList<>(events.size());
        for (TollgateEvent event : events) {
            if (seenInMemory.add(event.eventId())) {
                fresh.add(event);
                ids.add(event.eventId().toString());
            }
        }
        if (!ids.isEmpty()) {
            try (PreparedStatement insert = connection.prepareStatement("insert into " + schema
                    + ".processed_events (event_id) select unnest(?::uuid[])")) {
                insert.setArray(1, Sql.texts(connection, ids));
                insert.executeUpdate();
            }
        }
        return fresh;
    }
}
