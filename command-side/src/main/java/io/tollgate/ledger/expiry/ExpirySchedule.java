package io.tollgate.ledger.expiry;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The table {@code ledger.expiry_schedule}: one row per reservation or grant that can still expire.
 * Statements join the caller's Spring transaction when there is one (the projection's batch).
 */
class ExpirySchedule {
    private static final RowMapper<ExpiringItem> ITEM = (row, number) -> new ExpiringItem(
            row.getString("account_id"), ExpiringItem.Kind.ofColumnValue(row.getString("kind")), row.getString("item_id"));

    private final JdbcTemplate jdbc;

    ExpirySchedule(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The entries due at {@code cutoff}, oldest first, at most {@code limit}. */
    List<ExpiringItem> dueAt(Instant cutoff, int limit) {
        return jdbc.query("""
                        select account_id, kind, item_id from ledger.expiry_schedule
                        where due_at <= ? order by due_at limit ?""",
                ITEM, toTimestamp(cutoff), limit);
    }

    /** Writes a batch of changes, each entry's last change only; see {@link Changes}. */
    void apply(Changes changes) {
        if (!changes.removed.isEmpty()) {
            jdbc.batchUpdate("delete from ledger.expiry_schedule where account_id = ? and kind = ? and item_id = ?",
                    changes.removed.stream().map(ExpirySchedule::keyOf).toList());
        }
        if (!changes.dueAtByItem.isEmpty()) {
            jdbc.batchUpdate("""
                            insert into ledger.expiry_schedule (account_id, kind, item_id, due_at) values (?, ?, ?, ?)
                            on conflict (account_id, kind, item_id) do update set due_at = excluded.due_at""",
                    changes.dueAtByItem.entrySet().stream().map(scheduled -> new Object[]{
                            scheduled.getKey().accountId(), scheduled.getKey().kind().columnValue,
                            scheduled.getKey().itemId(), toTimestamp(scheduled.getValue())}).toList());
        }
    }

    /** Drops a reservation's or a lease's entry if it fell due at or before {@code dueBy}. */
    void removeIfDueBy(ExpiringItem reservation, Instant dueBy) {
        jdbc.update("""
                        delete from ledger.expiry_schedule
                        where account_id = ? and kind = ? and item_id = ? and due_at <= ?""",
                reservation.accountId(), reservation.kind().columnValue, reservation.itemId(), toTimestamp(dueBy));
    }

    void removeGrants(String accountId, Collection<String> grantIds) {
        jdbc.update("delete from ledger.expiry_schedule where account_id = ? and kind = ? and item_id = any(?::text[])",
                accountId, ExpiringItem.Kind.GRANT.columnValue, grantIds.toArray(String[]::new));
    }

    /**
     * The column keeps microseconds and expiries carry nanoseconds: rounding up keeps an entry from
     * falling due before the instant the account will accept its expiry.
     */
    static Instant dueAt(Instant expiresAt) {
        Instant truncated = expiresAt.truncatedTo(ChronoUnit.MICROS);
        return truncated.equals(expiresAt) ? expiresAt : truncated.plus(1, ChronoUnit.MICROS);
    }

    private static Object[] keyOf(ExpiringItem item) {
        return new Object[]{item.accountId(), item.kind().columnValue, item.itemId()};
    }

    private static OffsetDateTime toTimestamp(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    /**
     * Changes collected over a batch of events, where only each entry's last change counts: a request
     * reserved and settled within one batch costs one delete, not an insert and a delete. The delete
     * still runs, because after a replay the row may be there from before.
     */
    static final class Changes {
        private final Map<ExpiringItem, Instant> dueAtByItem = new LinkedHashMap<>();
        private final Set<ExpiringItem> removed = new LinkedHashSet<>();

        void schedule(ExpiringItem item, Instant expiresAt) {
            removed.remove(item);
            dueAtByItem.put(item, dueAt(expiresAt));
        }

        void remove(ExpiringItem item) {
            dueAtByItem.remove(item);
            removed.add(item);
        }
    }
}
