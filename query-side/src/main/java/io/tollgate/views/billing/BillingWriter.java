package io.tollgate.views.billing;

import io.tollgate.events.TollgateEvent;
import io.tollgate.views.billing.BillingProjection.Account;
import io.tollgate.views.billing.BillingProjection.Lease;
import io.tollgate.views.billing.BillingProjection.Line;
import io.tollgate.views.projection.support.BatchContext;
import io.tollgate.views.projection.support.CopyRows;
import io.tollgate.views.projection.support.Sql;
import io.tollgate.views.projection.support.ViewWriter;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL of billing ({@link BillingProjection} folds): per batch, one read of the touched accounts and one of
 * the touched leases, then the new ledger lines copied in (COPY) and the accounts and leases written back with
 * absolute values in one multi-row upsert each. A rebuild reads nothing (the projection holds its rows) and
 * copies the accounts and leases in once, in {@link #finish}.
 */
public final class BillingWriter implements ViewWriter {
    private final BillingProjection projection;

    public BillingWriter() {
        this(BillingProjection.live());
    }

    private BillingWriter(BillingProjection projection) {
        this.projection = projection;
    }

    /**
     * For a rebuild into a fresh schema by the one lane that sees all of these accounts' events: account and
     * lease rows are kept in memory across batches and copied in once at the end, instead of being read and
     * written back in every batch; ledger lines are copied in batch by batch.
     */
    public static BillingWriter bulk() {
        return new BillingWriter(BillingProjection.bulk());
    }

    @Override
    public void begin() {
        projection.begin();
    }

    @Override
    public void apply(TollgateEvent event, BatchContext context) {
        projection.apply(event);
    }

    @Override
    public void write(Connection connection, String schema) throws SQLException {
        if (!projection.hasWork()) {
            return;
        }
        BillingProjection.Result result = projection.fold(new BillingProjection.Stored(
                loadAccounts(connection, schema, projection.accountsToLoad()),
                loadLeases(connection, schema, projection.leasesToLoad())));
        copyLines(connection, schema, result.lines());
        if (!result.accounts().isEmpty()) {
            upsertAccounts(connection, schema, result.accounts());
        }
        upsertLeases(connection, schema, result.leases());
    }

    @Override
    public void committed() {
        projection.committed();
    }

    @Override
    public void finish(Connection connection, String schema) throws SQLException {
        CopyRows accounts = new CopyRows(schema, "accounts", "account_id, display_name, opened_at, closed_at,"
                + " granted_micros, debited_micros, refunded_micros, expired_micros, adjusted_micros, reserved_micros,"
                + " open_reservations, ledger_lines, last_event_at, lease_hold_micros, open_leases");
        for (Account a : projection.heldAccounts()) {
            accounts.text(a.accountId()).text(a.displayName()).time(a.openedAt()).time(a.closedAt()).number(a.granted())
                    .number(a.debited()).number(a.refunded()).number(a.expired()).number(a.adjusted())
                    .number(a.reserved()).number(a.openReservations()).number(a.lines()).time(a.lastEventAt())
                    .number(a.leaseHold()).number(a.openLeases()).endRow();
            if (accounts.rows() >= 50_000) {
                accounts.copy(connection);
            }
        }
        accounts.copy(connection);
        CopyRows leases = new CopyRows(schema, "leases", "lease_id, account_id, instance_id, amount_micros, granted_at,"
                + " expires_at, status, debited_micros, requests, settled_at, settled_debited_micros, settled_requests");
        for (Lease l : projection.heldLeases()) {
            leases.text(l.leaseId()).text(l.accountId()).text(l.instanceId()).number(l.amount()).time(l.grantedAt())
                    .time(l.expiresAt()).text(l.status()).number(l.debited()).number(l.requests()).time(l.settledAt())
                    .number(l.settledDebited()).number(l.settledRequests()).endRow();
            if (leases.rows() >= 50_000) {
                leases.copy(connection);
            }
        }
        leases.copy(connection);
    }

    private static void copyLines(Connection connection, String schema, List<Line> lines) throws SQLException {
        CopyRows copy = new CopyRows(schema, "ledger_lines", "account_id, line_no, event_id, occurred_at, kind,"
                + " amount_micros, balance_micros, request_id, grant_id, provider, model, note, lease_id, source, reference");
        for (Line l : lines) {
            copy.text(l.accountId()).number(l.lineNo()).uuid(l.eventId()).time(l.occurredAt()).text(l.kind())
                    .number(l.amount()).number(l.balance()).text(l.requestId()).text(l.grantId()).text(l.provider())
                    .text(l.model()).text(l.note()).text(l.leaseId()).text(l.source()).text(l.reference()).endRow();
        }
        copy.copy(connection);
    }

    private static Map<String, Account> loadAccounts(Connection connection, String schema, List<String> ids)
            throws SQLException {
        Map<String, Account> accounts = new LinkedHashMap<>();
        if (ids.isEmpty()) {
            return accounts;
        }
        try (PreparedStatement select = connection.prepareStatement("""
                select account_id, display_name, opened_at, closed_at, granted_micros, debited_micros, refunded_micros,
                       expired_micros, adjusted_micros, reserved_micros, open_reservations, ledger_lines,
                       lease_hold_micros, open_leases, last_event_at
                from %s.accounts where account_id = any(?)""".formatted(schema))) {
            select.setArray(1, Sql.texts(connection, ids));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    Account account = new Account(rows.getString(1), rows.getString(2),
                            Sql.instant(rows.getTimestamp(3)), Sql.instant(rows.getTimestamp(4)), rows.getLong(5),
                            rows.getLong(6), rows.getLong(7), rows.getLong(8), rows.getLong(9), rows.getLong(10),
                            rows.getInt(11), rows.getLong(12), Sql.instant(rows.getTimestamp(15)), rows.getLong(13),
                            rows.getInt(14));
                    accounts.put(account.accountId(), account);
                }
            }
        }
        return accounts;
    }

    private static Map<String, Lease> loadLeases(Connection connection, String schema, List<String> ids)
            throws SQLException {
        Map<String, Lease> leases = new LinkedHashMap<>();
        if (ids.isEmpty()) {
            return leases;
        }
        try (PreparedStatement select = connection.prepareStatement("""
                select lease_id, account_id, instance_id, amount_micros, granted_at, expires_at, status, debited_micros,
                       requests, settled_at, settled_debited_micros, settled_requests
                from %s.leases where lease_id = any(?)""".formatted(schema))) {
            select.setArray(1, Sql.texts(connection, ids));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    Lease lease = new Lease(rows.getString(1), rows.getString(2), rows.getString(3), rows.getLong(4),
                            Sql.instant(rows.getTimestamp(5)), Sql.instant(rows.getTimestamp(6)), rows.getString(7),
                            rows.getLong(8), rows.getLong(9), Sql.instant(rows.getTimestamp(10)),
                            (Long) rows.getObject(11), (Long) rows.getObject(12));
                    leases.put(lease.leaseId(), lease);
                }
            }
        }
        return leases;
    }

    private static void upsertLeases(Connection connection, String schema, Collection<Lease> leases)
            throws SQLException {
        if (leases.isEmpty()) {
            return;
        }
        int n = leases.size();
        List<String> ids = new ArrayList<>(n), accounts = new ArrayList<>(n), instances = new ArrayList<>(n),
                statuses = new ArrayList<>(n);
        List<Long> amounts = new ArrayList<>(n), granted = new ArrayList<>(n), expires = new ArrayList<>(n),
                debited = new ArrayList<>(n), requests = new ArrayList<>(n), settledAt = new ArrayList<>(n),
                settledDebited = new ArrayList<>(n), settledRequests = new ArrayList<>(n);
        for (Lease l : leases) {
            ids.add(l.leaseId());
            accounts.add(l.accountId());
            instances.add(l.instanceId());
            amounts.add(l.amount());
            granted.add(Sql.micros(l.grantedAt()));
            expires.add(Sql.micros(l.expiresAt()));
            statuses.add(l.status());
            debited.add(l.debited());
            requests.add(l.requests());
            settledAt.add(Sql.micros(l.settledAt()));
            settledDebited.add(l.settledDebited());
            settledRequests.add(l.settledRequests());
        }
        try (PreparedStatement upsert = connection.prepareStatement("""
                insert into %1$s.leases (lease_id, account_id, instance_id, amount_micros, granted_at, expires_at, status,
                    debited_micros, requests, settled_at, settled_debited_micros, settled_requests)
                select id, acc, ins, amt, %2$s, %3$s, st, deb, rq, %4$s, sd, sr
                from unnest(?::text[], ?::text[], ?::text[], ?::int8[], ?::int8[], ?::int8[], ?::text[], ?::int8[],
                            ?::int8[], ?::int8[], ?::int8[], ?::int8[])
                     as t(id, acc, ins, amt, ga, ex, st, deb, rq, sa, sd, sr)
                on conflict (lease_id) do update set
                    instance_id = excluded.instance_id, amount_micros = excluded.amount_micros,
                    granted_at = excluded.granted_at, expires_at = excluded.expires_at, status = excluded.status,
                    debited_micros = excluded.debited_micros, requests = excluded.requests,
                    settled_at = excluded.settled_at, settled_debited_micros = excluded.settled_debited_micros,
                    settled_requests = excluded.settled_requests"""
                .formatted(schema, Sql.timestamp("ga"), Sql.timestamp("ex"), Sql.timestamp("sa")))) {
            int i = 1;
            upsert.setArray(i++, Sql.texts(connection, ids));
            upsert.setArray(i++, Sql.texts(connection, accounts));
            upsert.setArray(i++, Sql.texts(connection, instances));
            upsert.setArray(i++, Sql.longs(connection, amounts));
            upsert.setArray(i++, Sql.longs(connection, granted));
            upsert.setArray(i++, Sql.longs(connection, expires));
            upsert.setArray(i++, Sql.texts(connection, statuses));
            upsert.setArray(i++, Sql.longs(connection, debited));
            upsert.setArray(i++, Sql.longs(connection, requests));
            upsert.setArray(i++, Sql.longs(connection, settledAt));
            upsert.setArray(i++, Sql.longs(connection, settledDebited));
            upsert.setArray(i, Sql.longs(connection, settledRequests));
            upsert.executeUpdate();
        }
    }

    private static void upsertAccounts(Connection connection, String schema, Collection<Account> accounts)
            throws SQLException {
        List<String> ids = new ArrayList<>(), names = new ArrayList<>();
        List<Long> opened = new ArrayList<>(), closed = new ArrayList<>(), granted = new ArrayList<>(),
                debited = new ArrayList<>(), refunded = new ArrayList<>(), expired = new ArrayList<>(),
                adjusted = new ArrayList<>(), reserved = new ArrayList<>(), lineCounts = new ArrayList<>(),
                lastEvent = new ArrayList<>();
        List<Long> leaseHolds = new ArrayList<>();
        List<Integer> openReservations = new ArrayList<>(), openLeases = new ArrayList<>();
        for (Account a : accounts) {
            ids.add(a.accountId());
            names.add(a.displayName());
            opened.add(Sql.micros(a.openedAt()));
            closed.add(Sql.micros(a.closedAt()));
            granted.add(a.granted());
            debited.add(a.debited());
            refunded.add(a.refunded());
            expired.add(a.expired());
            adjusted.add(a.adjusted());
            reserved.add(a.reserved());
            openReservations.add(a.openReservations());
            lineCounts.add(a.lines());
            lastEvent.add(Sql.micros(a.lastEventAt()));
            leaseHolds.add(a.leaseHold());
            openLeases.add(a.openLeases());
        }
        try (PreparedStatement upsert = connection.prepareStatement("""
                insert into %s.accounts (account_id, display_name, opened_at, closed_at, granted_micros, debited_micros,
                    refunded_micros, expired_micros, adjusted_micros, reserved_micros, open_reservations, ledger_lines,
                    last_event_at, lease_hold_micros, open_leases)
                select id, name, %s, %s, g, d, r, e, a, res, o, l, %s, lh, ol
                from unnest(?::text[], ?::text[], ?::int8[], ?::int8[], ?::int8[], ?::int8[], ?::int8[], ?::int8[],
                            ?::int8[], ?::int8[], ?::int4[], ?::int8[], ?::int8[], ?::int8[], ?::int4[])
                     as t(id, name, op, cl, g, d, r, e, a, res, o, l, le, lh, ol)
                on conflict (account_id) do update set
                    display_name = excluded.display_name, opened_at = excluded.opened_at, closed_at = excluded.closed_at,
                    granted_micros = excluded.granted_micros, debited_micros = excluded.debited_micros,
                    refunded_micros = excluded.refunded_micros, expired_micros = excluded.expired_micros,
                    adjusted_micros = excluded.adjusted_micros, reserved_micros = excluded.reserved_micros,
                    open_reservations = excluded.open_reservations, ledger_lines = excluded.ledger_lines,
                    last_event_at = excluded.last_event_at, lease_hold_micros = excluded.lease_hold_micros,
                    open_leases = excluded.open_leases"""
                .formatted(schema, Sql.timestamp("op"), Sql.timestamp("cl"), Sql.timestamp("le")))) {
            int i = 1;
            upsert.setArray(i++, Sql.texts(connection, ids));
            upsert.setArray(i++, Sql.texts(connection, names));
            upsert.setArray(i++, Sql.longs(connection, opened));
            upsert.setArray(i++, Sql.longs(connection, closed));
            upsert.setArray(i++, Sql.longs(connection, granted));
            upsert.setArray(i++, Sql.longs(connection, debited));
            upsert.setArray(i++, Sql.longs(connection, refunded));
            upsert.setArray(i++, Sql.longs(connection, expired));
            upsert.setArray(i++, Sql.longs(connection, adjusted));
            upsert.setArray(i++, Sql.longs(connection, reserved));
            upsert.setArray(i++, Sql.ints(connection, openReservations));
            upsert.setArray(i++, Sql.longs(connection, lineCounts));
            upsert.setArray(i++, Sql.longs(connection, lastEvent));
            upsert.setArray(i++, Sql.longs(connection, leaseHolds));
            upsert.setArray(i, Sql.ints(connection, openLeases));
            upsert.executeUpdate();
        }
    }
}
