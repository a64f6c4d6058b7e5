package io.tollgate.views.billing;

import java.util.Locale;
import io.tollgate.events.AccountClosed;
import io.tollgate.events.AccountOpened;
import io.tollgate.events.CreditsAdjusted;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.CreditsExpired;
import io.tollgate.events.CreditsGranted;
import io.tollgate.events.CreditsRefunded;
import io.tollgate.events.CreditsReserved;
import io.tollgate.events.LeaseExtended;
import io.tollgate.events.LeaseGranted;
import io.tollgate.events.LeaseSettled;
import io.tollgate.events.ReservationReleased;
import io.tollgate.events.TollgateEvent;
import io.tollgate.views.projection.support.BatchContext;
import io.tollgate.views.projection.support.CopyRows;
import io.tollgate.views.projection.support.Sql;
import io.tollgate.views.projection.support.ViewWriter;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Billing: each account's totals and its ledger lines with the running balance. The batch's events are
 * replayed in order on top of the accounts' stored state (read once per batch), so the running balance
 * of every line is exact; then the accounts are written back with absolute values and the lines inserted.
 * Ordering per account holds because an account's events share one partition and one consumer.
 */
public final class BillingWriter implements ViewWriter {
    private final List<TollgateEvent> events = new ArrayList<>();
    /** Bulk (a rebuild): every account and lease of the lane, as of the last committed batch; else null. */
    private final Map<String, AccountState> accountCache;
    private final Map<String, LeaseState> leaseCache;
    private Map<String, AccountState> pendingAccounts;
    private Map<String, LeaseState> pendingLeases;

    public BillingWriter() {
        this(false);
    }

    private BillingWriter(boolean bulk) {
        accountCache = bulk ? new java.util.HashMap<>() : null;
        leaseCache = bulk ? new java.util.HashMap<>() : null;
    }

    /**
     * For a rebuild into a fresh schema by the one lane that sees all of these accounts' events: account and
     * lease rows are kept in memory across batches and copied in once at the end, instead of being read and
     * written back in every batch; ledger lines are copied in batch by batch.
     */
    public static BillingWriter bulk() {
        return new BillingWriter(true);
    }

    @Override
    public void begin() {
        events.clear();
        pendingAccounts = null;
        pendingLeases = null;
    }

    @Override
    public void committed() {
        if (accountCache != null && pendingAccounts != null) {
            accountCache.putAll(pendingAccounts);
            leaseCache.putAll(pendingLeases);
        }
        pendingAccounts = null;
        pendingLeases = null;
    }

    @Override
    public void finish(Connection connection, String schema) throws SQLException {
        CopyRows accounts = new CopyRows(schema, "accounts", "account_id, display_name, opened_at, closed_at,"
                + " granted_micros, debited_micros, refunded_micros, expired_micros, adjusted_micros, reserved_micros,"
                + " open_reservations, ledger_lines, last_event_at, lease_hold_micros, open_leases");
        for (AccountState a : accountCache.values()) {
            accounts.text(a.accountId).text(a.displayName).time(a.openedAt).time(a.closedAt).number(a.granted)
                    .number(a.debited).number(a.refunded).number(a.expired).number(a.adjusted).number(a.reserved)
                    .number(a.openReservations).number(a.lines).time(a.lastEventAt).number(a.leaseHold)
                    .number(a.openLeases).endRow();
            if (accounts.rows() >= 50_000) {
                accounts.copy(connection);
            }
        }
        accounts.copy(connection);
        CopyRows leases = new CopyRows(schema, "leases", "lease_id, account_id, instance_id, amount_micros, granted_at,"
                + " expires_at, status, debited_micros, requests, settled_at, settled_debited_micros, settled_requests");
        for (LeaseState l : leaseCache.values()) {
            leases.text(l.leaseId).text(l.accountId).text(l.instanceId).number(l.amount).time(l.grantedAt)
                    .time(l.expiresAt).text(l.status).number(l.debited).number(l.requests).time(l.settledAt)
                    .number(l.settledDebited).number(l.settledRequests).endRow();
            if (leases.rows() >= 50_000) {
                leases.copy(connection);
            }
        }
        leases.copy(connection);
    }

    @Override
    public void apply(TollgateEvent event, BatchContext context) {
        Sql.storable("accountId", event.accountId(), Sql.MAX_KEY_CHARS);
        switch (event) {
            case AccountOpened e -> Sql.storable("displayName", e.displayName(), 0);
            case CreditsGranted e -> Sql.storable("reference", e.reference(), 0);
            case LeaseGranted e -> {
                Sql.storable("leaseId", e.leaseId(), Sql.MAX_KEY_CHARS);
                Sql.storable("instanceId", e.instanceId(), 0);
            }
            case LeaseExtended e -> Sql.storable("leaseId", e.leaseId(), Sql.MAX_KEY_CHARS);
            case LeaseSettled e -> Sql.storable("leaseId", e.leaseId(), Sql.MAX_KEY_CHARS);
            case CreditsDebited e -> Sql.storable("leaseId", e.leaseId(), Sql.MAX_KEY_CHARS);
            default -> {
            }
        }
        switch (event) {
            case AccountOpened e -> events.add(e);
            case AccountClosed e -> events.add(e);
            case CreditsGranted e -> events.add(e);
            case CreditsDebited e -> events.add(e);
            case CreditsRefunded e -> events.add(e);
            case CreditsExpired e -> events.add(e);
            case CreditsAdjusted e -> events.add(e);
            case CreditsReserved e -> events.add(e);
            case ReservationReleased e -> events.add(e);
            case LeaseGranted e -> events.add(e);
            case LeaseExtended e -> events.add(e);
            case LeaseSettled e -> events.add(e);
            default -> {
                // Not a movement of credit (request lifecycle, rate cards, and event types added later).
            }
        }
    }

    @Override
    public void write(Connection connection, String schema) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        Map<String, AccountState> accounts = accountCache != null ? fromCache() : load(connection, schema);
        Map<String, LeaseState> leases = leaseCache != null ? leasesFromCache() : loadLeases(connection, schema);
        List<Line> lines = new ArrayList<>();
        for (TollgateEvent event : events) {
            AccountState account = accounts.computeIfAbsent(event.accountId(), AccountState::new);
            account.lastEventAt = event.occurredAt();
            switch (event) {
                case AccountOpened e -> {
                    account.displayName = e.displayName();
                    if (account.openedAt == null) {
                        account.openedAt = e.occurredAt();
                    }
                }
                case AccountClosed e -> account.closedAt = e.occurredAt();
                case CreditsGranted e -> {
                    account.granted += e.amountMicros();
                    lines.add(account.line(e.eventId(), e.occurredAt(), "grant", e.amountMicros(), null, e.grantId(),
                            null, null, grantNote(e)).ofGrant(e.source() == null ? null : e.source().name(),
                            e.reference()));
                }
                case CreditsDebited e -> {
                    account.debited += e.amountMicros();
                    Line line = account.line(e.eventId(), e.occurredAt(), "debit", -e.amountMicros(), e.requestId(), null,
                            e.provider(), e.model(), null);
                    if (e.leaseId() != null) {
                        line = line.onLease(e.leaseId());
                        // Visible at once as a debit; the lease now holds that much less (floor 0).
                        lease(leases, e.leaseId(), account).debit(account, e.amountMicros());
                    }
                    lines.add(line);
                }
                case CreditsRefunded e -> {
                    account.refunded += e.amountMicros();
                    lines.add(account.line(e.eventId(), e.occurredAt(), "refund", e.amountMicros(), e.requestId(), null,
                            null, null, e.reason()));
                }
                case CreditsExpired e -> {
                    account.expired += e.amountMicros();
                    lines.add(account.line(e.eventId(), e.occurredAt(), "expiry", -e.amountMicros(), null, e.grantId(),
                            null, null, null));
                }
                case CreditsAdjusted e -> {
                    account.adjusted += e.deltaMicros();
                    lines.add(account.line(e.eventId(), e.occurredAt(), "adjustment", e.deltaMicros(), null, null,
                            null, null, e.reason()));
                }
                case CreditsReserved e -> {
                    account.reserved += e.amountMicros();
                    account.openReservations++;
                }
                case ReservationReleased e -> {
                    // A release on a lease had no CreditsReserved of its own: the lease holds the credit.
                    if (e.leaseId() == null) {
                        account.reserved -= e.amountMicros();
                        account.openReservations--;
                    }
                }
                case LeaseGranted e -> lease(leases, e.leaseId(), account).grant(account, e);
                case LeaseExtended e -> lease(leases, e.leaseId(), account).expiresAt = e.expiresAt();
                // Not a debit: the requests drawn on the lease were debited one by one already.
                case LeaseSettled e -> lease(leases, e.leaseId(), account).settle(account, e);
                default -> {
                }
            }
        }
        copyLines(connection, schema, lines);
        if (accountCache != null) {
            pendingAccounts = accounts;
            pendingLeases = leases;
        } else {
            upsertAccounts(connection, schema, accounts.values());
            upsertLeases(connection, schema, leases.values());
        }
    }

    /** Copies of the cached states of the batch's accounts (the cache changes only when the batch commits). */
    private Map<String, AccountState> fromCache() {
        Map<String, AccountState> accounts = new LinkedHashMap<>();
        for (TollgateEvent event : events) {
            accounts.computeIfAbsent(event.accountId(), id -> {
                AccountState cached = accountCache.get(id);
                return cached == null ? new AccountState(id) : cached.copy();
            });
        }
        return accounts;
    }

    private Map<String, LeaseState> leasesFromCache() {
        Map<String, LeaseState> leases = new LinkedHashMap<>();
        for (String id : leaseIds()) {
            LeaseState cached = leaseCache.get(id);
            if (cached != null) {
                leases.put(id, cached.copy());
            }
        }
        return leases;
    }

    private static void copyLines(Connection connection, String schema, List<Line> lines) throws SQLException {
        CopyRows copy = new CopyRows(schema, "ledger_lines", "account_id, line_no, event_id, occurred_at, kind,"
                + " amount_micros, balance_micros, request_id, grant_id, provider, model, note, lease_id, source, reference");
        for (Line l : lines) {
            copy.text(l.accountId).number(l.lineNo).uuid(l.eventId).time(l.occurredAt).text(l.kind).number(l.amount)
                    .number(l.balance).text(l.requestId).text(l.grantId).text(l.provider).text(l.model).text(l.note)
                    .text(l.leaseId).text(l.source).text(l.reference).endRow();
        }
        copy.copy(connection);
    }

    private static LeaseState lease(Map<String, LeaseState> leases, String leaseId, AccountState account) {
        return leases.computeIfAbsent(leaseId, id -> new LeaseState(id, account.accountId));
    }

    private List<String> leaseIds() {
        List<String> ids = new ArrayList<>();
        for (TollgateEvent event : events) {
            String leaseId = switch (event) {
                case LeaseGranted e -> e.leaseId();
                case LeaseExtended e -> e.leaseId();
                case LeaseSettled e -> e.leaseId();
                case CreditsDebited e -> e.leaseId();
                default -> null;
            };
            if (leaseId != null) {
                ids.add(leaseId);
            }
        }
        return ids;
    }

    private Map<String, LeaseState> loadLeases(Connection connection, String schema) throws SQLException {
        Map<String, LeaseState> leases = new LinkedHashMap<>();
        List<String> ids = leaseIds();
        if (ids.isEmpty()) {
            return leases;
        }
        try (PreparedStatement select = connection.prepareStatement("""
                select lease_id, account_id, instance_id, amount_micros, granted_at, expires_at, status, debited_micros,
                       requests, settled_at, settled_debited_micros, settled_requests
                from %s.leases where lease_id = any(?)""".formatted(schema))) {
            select.setArray(1, Sql.texts(connection, ids.stream().distinct().toList()));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    LeaseState lease = new LeaseState(rows.getString(1), rows.getString(2));
                    lease.instanceId = rows.getString(3);
                    lease.amount = rows.getLong(4);
                    lease.grantedAt = Sql.instant(rows.getTimestamp(5));
                    lease.expiresAt = Sql.instant(rows.getTimestamp(6));
                    lease.status = rows.getString(7);
                    lease.debited = rows.getLong(8);
                    lease.requests = rows.getLong(9);
                    lease.settledAt = Sql.instant(rows.getTimestamp(10));
                    lease.settledDebited = (Long) rows.getObject(11);
                    lease.settledRequests = (Long) rows.getObject(12);
                    leases.put(lease.leaseId, lease);
                }
            }
        }
        return leases;
    }

    private static void upsertLeases(Connection connection, String schema, Collection<LeaseState> leases)
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
        for (LeaseState l : leases) {
            ids.add(l.leaseId);
            accounts.add(l.accountId);
            instances.add(l.instanceId);
            amounts.add(l.amount);
            granted.add(Sql.micros(l.grantedAt));
            expires.add(Sql.micros(l.expiresAt));
            statuses.add(l.status);
            debited.add(l.debited);
            requests.add(l.requests);
            settledAt.add(Sql.micros(l.settledAt));
            settledDebited.add(l.settledDebited);
            settledRequests.add(l.settledRequests);
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

    private static String grantNote(CreditsGranted grant) {
        String source = grant.source() == null ? "grant" : grant.source().name().toLowerCase(Locale.ROOT);
        return grant.expiresAt() == null ? source : source + ", expires " + grant.expiresAt();
    }

    private Map<String, AccountState> load(Connection connection, String schema) throws SQLException {
        Map<String, AccountState> accounts = new LinkedHashMap<>();
        List<String> ids = events.stream().map(TollgateEvent::accountId).distinct().toList();
        try (PreparedStatement select = connection.prepareStatement("""
                select account_id, display_name, opened_at, closed_at, granted_micros, debited_micros, refunded_micros,
                       expired_micros, adjusted_micros, reserved_micros, open_reservations, ledger_lines,
                       lease_hold_micros, open_leases
                from %s.accounts where account_id = any(?)""".formatted(schema))) {
            select.setArray(1, Sql.texts(connection, ids));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    AccountState account = new AccountState(rows.getString(1));
                    account.displayName = rows.getString(2);
                    account.openedAt = Sql.instant(rows.getTimestamp(3));
                    account.closedAt = Sql.instant(rows.getTimestamp(4));
                    account.granted = rows.getLong(5);
                    account.debited = rows.getLong(6);
                    account.refunded = rows.getLong(7);
                    account.expired = rows.getLong(8);
                    account.adjusted = rows.getLong(9);
                    account.reserved = rows.getLong(10);
                    account.openReservations = rows.getInt(11);
                    account.lines = rows.getLong(12);
                    account.leaseHold = rows.getLong(13);
                    account.openLeases = rows.getInt(14);
                    accounts.put(account.accountId, account);
                }
            }
        }
        return accounts;
    }

    private static void upsertAccounts(Connection connection, String schema, Iterable<AccountState> accounts)
            throws SQLException {
        List<String> ids = new ArrayList<>(), names = new ArrayList<>();
        List<Long> opened = new ArrayList<>(), closed = new ArrayList<>(), granted = new ArrayList<>(),
                debited = new ArrayList<>(), refunded = new ArrayList<>(), expired = new ArrayList<>(),
                adjusted = new ArrayList<>(), reserved = new ArrayList<>(), lineCounts = new ArrayList<>(),
                lastEvent = new ArrayList<>();
        List<Long> leaseHolds = new ArrayList<>();
        List<Integer> openReservations = new ArrayList<>(), openLeases = new ArrayList<>();
        for (AccountState a : accounts) {
            ids.add(a.accountId);
            names.add(a.displayName);
            opened.add(Sql.micros(a.openedAt));
            closed.add(Sql.micros(a.closedAt));
            granted.add(a.granted);
            debited.add(a.debited);
            refunded.add(a.refunded);
            expired.add(a.expired);
            adjusted.add(a.adjusted);
            reserved.add(a.reserved);
            openReservations.add(a.openReservations);
            lineCounts.add(a.lines);
            lastEvent.add(Sql.micros(a.lastEventAt));
            leaseHolds.add(a.leaseHold);
            openLeases.add(a.openLeases);
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

    /** An account's billing state while the batch is replayed on top of it. */
    private static final class AccountState {
        final String accountId;
        String displayName;
        Instant openedAt, closedAt, lastEventAt;
        long granted, debited, refunded, expired, adjusted, reserved, lines, leaseHold;
        int openReservations, openLeases;

        AccountState(String accountId) {
            this.accountId = accountId;
        }

        AccountState copy() {
            AccountState c = new AccountState(accountId);
            c.displayName = displayName;
            c.openedAt = openedAt;
            c.closedAt = closedAt;
            c.lastEventAt = lastEventAt;
            c.granted = granted;
            c.debited = debited;
            c.refunded = refunded;
            c.expired = expired;
            c.adjusted = adjusted;
            c.reserved = reserved;
            c.lines = lines;
            c.leaseHold = leaseHold;
            c.openReservations = openReservations;
            c.openLeases = openLeases;
            return c;
        }

        long balance() {
            return granted - debited + refunded - expired + adjusted;
        }

        Line line(UUID eventId, Instant at, String kind, long amount, String requestId, String grantId,
                  String provider, String model, String note) {
            lines++;
            return new Line(accountId, lines, eventId, at, kind, amount, balance(), requestId, grantId, provider, model,
                    note, null, null, null);
        }
    }

    /**
     * One credit lease while the batch is replayed on top of it. While open it holds {@code amount − debited}
     * (floor 0) of its account's credit, where debited is what the requests drawn on it were debited so far;
     * the account's lease_hold is the sum of that over its open leases, kept by applying every change of a
     * lease's hold to its account. Request events may arrive before their lease's LeaseGranted (two
     * producers): the lease is 'pending' until then and holds nothing.
     */
    private static final class LeaseState {
        final String leaseId, accountId;
        String instanceId, status = "pending";
        long amount, debited, requests;
        Long settledDebited, settledRequests;
        Instant grantedAt, expiresAt, settledAt;

        LeaseState(String leaseId, String accountId) {
            this.leaseId = leaseId;
            this.accountId = accountId;
        }

        LeaseState copy() {
            LeaseState c = new LeaseState(leaseId, accountId);
            c.instanceId = instanceId;
            c.status = status;
            c.amount = amount;
            c.debited = debited;
            c.requests = requests;
            c.settledDebited = settledDebited;
            c.settledRequests = settledRequests;
            c.grantedAt = grantedAt;
            c.expiresAt = expiresAt;
            c.settledAt = settledAt;
            return c;
        }

        long hold() {
            return "open".equals(status) ? Math.max(0, amount - debited) : 0;
        }

        void grant(AccountState account, LeaseGranted e) {
            long before = hold();
            instanceId = e.instanceId();
            amount = e.amountMicros();
            grantedAt = e.occurredAt();
            expiresAt = e.expiresAt();
            if ("pending".equals(status)) {
                status = "open";
                account.openLeases++;
            }
            account.leaseHold += hold() - before;
        }

        void debit(AccountState account, long micros) {
            long before = hold();
            debited += micros;
            requests++;
            account.leaseHold += hold() - before;
        }

        void settle(AccountState account, LeaseSettled e) {
            long before = hold();
            if ("open".equals(status)) {
                account.openLeases--;
            }
            status = e.reason() == LeaseSettled.LeaseEnd.EXPIRED ? "expired" : "returned";
            if (amount == 0) {
                amount = e.amountMicros();
            }
            settledAt = e.occurredAt();
            settledDebited = e.debitedMicros();
            settledRequests = e.requests();
            account.leaseHold += hold() - before;
        }
    }

    private record Line(String accountId, long lineNo, UUID eventId, Instant occurredAt, String kind, long amount,
                        long balance, String requestId, String grantId, String provider, String model, String note,
                        String leaseId, String source, String reference) {
        Line onLease(String lease) {
            return new Line(accountId, lineNo, eventId, occurredAt, kind, amount, balance, requestId, grantId, provider,
                    model, note, lease, source, reference);
        }

        /** A grant's source and the payment that paid for a purchase. */
        Line ofGrant(String grantSource, String paymentReference) {
            return new Line(accountId, lineNo, eventId, occurredAt, kind, amount, balance, requestId, grantId, provider,
                    model, note, leaseId, grantSource, paymentReference);
        }
    }
}
