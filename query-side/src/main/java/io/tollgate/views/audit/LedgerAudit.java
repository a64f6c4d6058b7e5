package io.tollgate.views.audit;

import io.tollgate.events.CreditsAdjusted;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.CreditsExpired;
import io.tollgate.events.CreditsGranted;
import io.tollgate.events.CreditsRefunded;
import io.tollgate.events.codec.EventCodec;
import io.tollgate.events.LeaseGranted;
import io.tollgate.events.LeaseSettled;
import io.tollgate.events.TollgateEvent;
import io.tollgate.events.support.Credits;
import io.tollgate.views.projection.support.Sql;

import javax.sql.DataSource;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Compares the billing views with the system of record, account by account: the totals the event store
 * (Axon's ledger.domain_event_entry) adds up to, against both the views' account rows and the sums of
 * their ledger lines, so that a wrong total and a wrong or missing line are each caught.
 *
 * <p>Credit leases (issue 12): the event store's buckets move only when a lease settles (LeaseSettled's
 * debitedMicros), while the views debit each request as its CreditsDebited arrives from the gateway. So
 * (a) every settled lease's debitedMicros and requests must equal the sum and count of the views' debit
 * lines naming it; (b) an account's views must equal the event store's totals plus what the requests of its
 * still open leases were debited already; (c) each lease row must agree with the store (amount, status,
 * settlement), and the account's lease hold with its open leases; (d) debits naming a lease the store
 * never granted are differences. Debits without a lease (before leases) are compared as before.
 */
public final class LedgerAudit {
    private static final String[] FIELDS = {"granted", "debited", "refunded", "expired", "adjusted", "balance"};
    /**
     * The store's events that move credit, as the SQL list of their payload types: Axon stores a payload's class
     * name, so these are built from the classes, and renaming an event breaks the compile rather than the audit.
     */
    private static final String CREDIT_MOVEMENT_TYPES = Stream.of(CreditsGranted.class, CreditsDebited.class,
                    CreditsRefunded.class, CreditsExpired.class, CreditsAdjusted.class, LeaseGranted.class,
                    LeaseSettled.class)
            .map(type -> "'" + type.getName() + "'")
            .collect(Collectors.joining(", "));

    private final DataSource dataSource;
    private final String ledgerSchema;
    private final String viewsSchema;
    private final EventCodec codec = new EventCodec();

    public LedgerAudit(DataSource dataSource, String ledgerSchema, String viewsSchema) {
        this.dataSource = dataSource;
        this.ledgerSchema = Sql.requireIdentifier(ledgerSchema);
        this.viewsSchema = Sql.requireIdentifier(viewsSchema);
    }

    /**
     * @param only accounts to audit; empty for every account either side knows
     * @return the number of differences printed
     */
    public int run(Set<String> only, PrintWriter out) throws SQLException {
        Map<String, LeaseFacts> leases = new HashMap<>();
        Map<String, BillingTotals> ledger = fromEventStore(only, leases);
        Map<String, long[]> leaseDebits = leaseDebitsInViews(only);
        Map<String, long[]> leaseRows = leaseRowsInViews(only);
        Map<String, Long> leaseHolds = longsByAccount("select account_id, lease_hold_micros from %s.accounts"
                .formatted(viewsSchema), only);
        Map<String, Long> expectedHolds = new HashMap<>();
        int differences = 0;
        // (a), (c): lease by lease; and what the views may have debited beyond the store's settled buckets.
        Map<String, Long> openLeaseDebits = new HashMap<>();
        for (var entry : new java.util.TreeMap<>(leases).entrySet()) {
            String id = entry.getKey();
            LeaseFacts lease = entry.getValue();
            long[] seen = leaseDebits.getOrDefault(id, new long[2]);
            if (lease.settled) {
                if (lease.settledDebited != seen[0] || lease.settledRequests != seen[1]) {
                    out.printf("lease %s (account %s): settled debit differs from its requests: event store %s for %d"
                                    + " request(s), views' debits %s for %d request(s) (%s)%n", id, lease.accountId,
                            credits(lease.settledDebited), lease.settledRequests, credits(seen[0]), seen[1],
                            credits(seen[0] - lease.settledDebited));
                    differences++;
                }
            } else if (lease.granted) {
                openLeaseDebits.merge(lease.accountId, seen[0], Long::sum);
                expectedHolds.merge(lease.accountId, Math.max(0, lease.amount - seen[0]), Long::sum);
            }
            long[] row = leaseRows.get(id);
            if (row == null) {
                out.printf("lease %s (account %s): missing in %s.leases%n", id, lease.accountId, viewsSchema);
                differences++;
            } else if (row[0] != lease.amount || (row[1] == 1) != lease.settled
                    || (lease.settled && row[2] != lease.settledDebited)) {
                out.printf("lease %s (account %s): differs in %s.leases: event store amount %s, %s%s; views amount %s, %s%s%n",
                        id, lease.accountId, viewsSchema, credits(lease.amount), lease.settled ? "settled" : "open",
                        lease.settled ? " with " + credits(lease.settledDebited) + " debited" : "", credits(row[0]),
                        row[1] == 1 ? "settled" : "open", row[1] == 1 ? " with " + credits(row[2]) + " debited" : "");
                differences++;
            }
        }
        // (d)
        for (var entry : new java.util.TreeMap<>(leaseDebits).entrySet()) {
            if (!leases.containsKey(entry.getKey())) {
                out.printf("lease %s (account %s): %d debit(s) of %s in the views name a lease the event store never granted%n",
                        entry.getKey(), leaseAccounts.get(entry.getKey()), entry.getValue()[1], credits(entry.getValue()[0]));
                differences++;
            }
        }
        Map<String, BillingTotals> accounts = fromViews("""
                select account_id, granted_micros, debited_micros, refunded_micros, expired_micros, adjusted_micros
                from %s.accounts""".formatted(viewsSchema), only);
        Map<String, BillingTotals> lines = fromViews("""
                select account_id,
                       coalesce(sum(amount_micros) filter (where kind = 'grant'), 0),
                       coalesce(sum(-amount_micros) filter (where kind = 'debit'), 0),
                       coalesce(sum(amount_micros) filter (where kind = 'refund'), 0),
                       coalesce(sum(-amount_micros) filter (where kind = 'expiry'), 0),
                       coalesce(sum(amount_micros) filter (where kind = 'adjustment'), 0)
                from %s.ledger_lines group by account_id""".formatted(viewsSchema), only);

        Set<String> ids = new TreeSet<>(ledger.keySet());
        ids.addAll(accounts.keySet());
        ids.addAll(lines.keySet());
        for (String account : ids) {
            BillingTotals expected = ledger.getOrDefault(account, BillingTotals.ZERO)
                    .plus(0, openLeaseDebits.getOrDefault(account, 0L), 0, 0, 0);
            differences += compare(out, account, "accounts", expected, accounts.get(account), ledger.containsKey(account));
            differences += compare(out, account, "ledger_lines", expected, lines.get(account), ledger.containsKey(account));
            long wantHold = expectedHolds.getOrDefault(account, 0L);
            long gotHold = leaseHolds.getOrDefault(account, 0L);
            if (wantHold != gotHold) {
                out.printf("account %s: lease hold (reserved by open leases) differs in %s.accounts: event store leases"
                        + " minus their debits %s, views %s (%s)%n", account, viewsSchema, credits(wantHold),
                        credits(gotHold), credits(gotHold - wantHold));
                differences++;
            }
        }
        differences += deadLetters(only, out);
        differences += ledgerDeadLetters(out);
        out.printf("audited %d accounts (event store %s, views %s): %s%n", ids.size(), ledgerSchema, viewsSchema,
                differences == 0 ? "no differences" : differences + " difference(s)");
        out.flush();
        return differences;
    }

    private int compare(PrintWriter out, String account, String table, BillingTotals expected, BillingTotals actual,
                        boolean inLedger) {
        if (actual == null) {
            // An account with no billing events has no lines; that is only a difference when the ledger has some.
            if (inLedger && !expected.equals(BillingTotals.ZERO)) {
                out.printf("account %s: missing in %s.%s (event store: %s)%n", account, viewsSchema, table, describe(expected));
                return 1;
            }
            return 0;
        }
        long[] want = values(expected);
        long[] got = values(actual);
        int differences = 0;
        for (int i = 0; i < FIELDS.length; i++) {
            if (want[i] != got[i]) {
                out.printf("account %s: %s differs in %s.%s: event store %s, views %s (%s)%n", account, FIELDS[i],
                        viewsSchema, table, Credits.toCredits(want[i]).toPlainString(),
                        Credits.toCredits(got[i]).toPlainString(), Credits.toCredits(got[i] - want[i]).toPlainString());
                differences++;
            }
        }
        return differences;
    }

    private static final int DEAD_LETTERS_SHOWN = 100;

    /**
     * Every record the projection could not apply is a difference (I8): the views miss whatever it said.
     * With {@code --account}, those whose Kafka key (the account id) is one of them.
     */
    private int deadLetters(Set<String> only, PrintWriter out) throws SQLException {
        String sql = """
                select topic, partition, "offset", record_key, event_id, event_type, reason, received_at
                from %s.dead_letters""".formatted(viewsSchema) + (only.isEmpty() ? "" : " where record_key = any(?)")
                + " order by received_at, topic, partition, \"offset\"";
        int count = 0;
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement(sql)) {
            if (!only.isEmpty()) {
                select.setArray(1, Sql.texts(connection, only));
            }
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    if (++count <= DEAD_LETTERS_SHOWN) {
                        out.printf("dead letter %s-%d@%d (key %s, event %s, %s): %s%n", rs.getString(1), rs.getInt(2),
                                rs.getLong(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7));
                    }
                }
            }
        }
        if (count > DEAD_LETTERS_SHOWN) {
            out.printf("... and %d more dead letters in %s.dead_letters%n", count - DEAD_LETTERS_SHOWN, viewsSchema);
        }
        return count;
    }

    /**
     * Every ledger event the command side's processors gave up on (its publisher: too large for the broker,
     * unreadable; its expiry schedule: unreadable) is a difference: the views never saw it. A row names no account,
     * so these are reported whichever accounts are audited. An event store without the table (written before it
     * existed) has none.
     */
    private int ledgerDeadLetters(PrintWriter out) throws SQLException {
        String table = ledgerSchema + ".dead_letters";
        int count = 0;
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement exists = connection.prepareStatement("select to_regclass(?) is not null")) {
                exists.setString(1, table);
                try (ResultSet rs = exists.executeQuery()) {
                    if (!rs.next() || !rs.getBoolean(1)) {
                        return 0;
                    }
                }
            }
            try (PreparedStatement select = connection.prepareStatement(
                    "select source, event_id, event_type, reason from " + table + " order by id");
                 ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    if (++count <= DEAD_LETTERS_SHOWN) {
                        out.printf("dead letter in %s (%s, event %s, %s): %s%n", table, rs.getString(1),
                                rs.getString(2), rs.getString(3), rs.getString(4));
                    }
                }
            }
        }
        if (count > DEAD_LETTERS_SHOWN) {
            out.printf("... and %d more dead letters in %s%n", count - DEAD_LETTERS_SHOWN, table);
        }
        return count;
    }

    private static String credits(long micros) {
        return Credits.toCredits(micros).toPlainString();
    }

    /** A lease as the event store knows it. */
    private static final class LeaseFacts {
        String accountId;
        boolean granted, settled;
        long amount, settledDebited, settledRequests;
    }

    /** Lease id → {sum, count} of the views' debit lines naming it. */
    private final Map<String, String> leaseAccounts = new HashMap<>();

    private Map<String, long[]> leaseDebitsInViews(Set<String> only) throws SQLException {
        Map<String, long[]> debits = new HashMap<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("""
                     select lease_id, min(account_id), coalesce(sum(-amount_micros), 0), count(*) from %s.ledger_lines
                     where kind = 'debit' and lease_id is not null group by lease_id""".formatted(viewsSchema));
             ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                if (only.isEmpty() || only.contains(rs.getString(2))) {
                    debits.put(rs.getString(1), new long[]{rs.getLong(3), rs.getLong(4)});
                    leaseAccounts.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return debits;
    }

    /** Lease id → {amount, settled 0/1, settled debit} of the views' lease rows. */
    private Map<String, long[]> leaseRowsInViews(Set<String> only) throws SQLException {
        Map<String, long[]> rows = new HashMap<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("""
                     select lease_id, account_id, amount_micros, status in ('returned', 'expired'),
                            coalesce(settled_debited_micros, 0) from %s.leases""".formatted(viewsSchema));
             ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                if (only.isEmpty() || only.contains(rs.getString(2))) {
                    rows.put(rs.getString(1), new long[]{rs.getLong(3), rs.getBoolean(4) ? 1 : 0, rs.getLong(5)});
                }
            }
        }
        return rows;
    }

    private Map<String, Long> longsByAccount(String sql, Set<String> only) throws SQLException {
        Map<String, Long> values = new HashMap<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement(sql);
             ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                if (only.isEmpty() || only.contains(rs.getString(1))) {
                    values.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return values;
    }

    private static long[] values(BillingTotals t) {
        return new long[]{t.granted(), t.debited(), t.refunded(), t.expired(), t.adjusted(), t.balance()};
    }

    private static String describe(BillingTotals t) {
        long[] v = values(t);
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < FIELDS.length; i++) {
            parts.add(FIELDS[i] + " " + Credits.toCredits(v[i]).toPlainString());
        }
        return String.join(", ", parts);
    }

    /**
     * Axon stores each event's payload as the record's JSON without EventCodec's type and version fields
     * (those are in payload_type and payload_revision), so they are put back in front before decoding;
     * that way the codec's upcasters apply to the store exactly as to the topic.
     */
    private Map<String, BillingTotals> fromEventStore(Set<String> only, Map<String, LeaseFacts> leases)
            throws SQLException {
        Map<String, BillingTotals> totals = new HashMap<>();
        String sql = """
                select payload_type, payload_revision, payload from %s.domain_event_entry
                where payload_type in (%s)
                """.formatted(ledgerSchema, CREDIT_MOVEMENT_TYPES) + (only.isEmpty() ? "" : " and aggregate_identifier = any(?)")
                + " order by global_index";
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement select = connection.prepareStatement(sql)) {
                select.setFetchSize(5_000);
                if (!only.isEmpty()) {
                    select.setArray(1, Sql.texts(connection, only));
                }
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        TollgateEvent event = decode(rs.getString(1), rs.getString(2), rs.getBytes(3));
                        if (event instanceof LeaseGranted granted) {
                            LeaseFacts lease = leases.computeIfAbsent(granted.leaseId(), id -> new LeaseFacts());
                            lease.accountId = granted.accountId();
                            lease.granted = true;
                            lease.amount = granted.amountMicros();
                        } else if (event instanceof LeaseSettled settled) {
                            LeaseFacts lease = leases.computeIfAbsent(settled.leaseId(), id -> new LeaseFacts());
                            lease.accountId = settled.accountId();
                            lease.settled = true;
                            if (lease.amount == 0) {
                                lease.amount = settled.amountMicros();
                            }
                            lease.settledDebited = settled.debitedMicros();
                            lease.settledRequests = settled.requests();
                        }
                        totals.merge(event.accountId(), delta(event), (a, b) -> a.plus(b.granted(), b.debited(),
                                b.refunded(), b.expired(), b.adjusted()));
                    }
                }
            } finally {
                connection.rollback();
            }
        }
        return totals;
    }

    private TollgateEvent decode(String payloadType, String revision, byte[] payload) {
        String type = payloadType.substring(payloadType.lastIndexOf('.') + 1);
        int version = revision == null || revision.isBlank() ? 1 : Integer.parseInt(revision);
        String json = new String(payload, StandardCharsets.UTF_8).strip();
        if (!json.startsWith("{")) {
            throw new IllegalStateException("payload of " + payloadType + " is not a JSON object");
        }
        String envelope = "{\"" + EventCodec.TYPE_FIELD + "\":\"" + type + "\",\"" + EventCodec.VERSION_FIELD + "\":"
                + version + (json.equals("{}") ? "}" : "," + json.substring(1));
        return codec.decode(envelope.getBytes(StandardCharsets.UTF_8));
    }

    private static BillingTotals delta(TollgateEvent event) {
        return switch (event) {
            case CreditsGranted e -> BillingTotals.ZERO.plus(e.amountMicros(), 0, 0, 0, 0);
            // A debit on a lease moves the buckets through its LeaseSettled; one without is the account's own.
            case CreditsDebited e -> e.leaseId() != null ? BillingTotals.ZERO
                    : BillingTotals.ZERO.plus(0, e.amountMicros(), 0, 0, 0);
            case LeaseSettled e -> BillingTotals.ZERO.plus(0, e.debitedMicros(), 0, 0, 0);
            case CreditsRefunded e -> BillingTotals.ZERO.plus(0, 0, e.amountMicros(), 0, 0);
            case CreditsExpired e -> BillingTotals.ZERO.plus(0, 0, 0, e.amountMicros(), 0);
            case CreditsAdjusted e -> BillingTotals.ZERO.plus(0, 0, 0, 0, e.deltaMicros());
            default -> BillingTotals.ZERO;
        };
    }

    private Map<String, BillingTotals> fromViews(String sql, Set<String> only) throws SQLException {
        Map<String, BillingTotals> totals = new HashMap<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement(sql)) {
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    String account = rs.getString(1);
                    if (only.isEmpty() || only.contains(account)) {
                        totals.put(account, new BillingTotals(rs.getLong(2), rs.getLong(3), rs.getLong(4),
                                rs.getLong(5), rs.getLong(6)));
                    }
                }
            }
        }
        return totals;
    }
}
