package io.tollgate.views.audit;

import io.tollgate.events.CreditsAdjusted;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.CreditsExpired;
import io.tollgate.events.CreditsGranted;
import io.tollgate.events.CreditsRefunded;
import io.tollgate.events.EventCodec;
import io.tollgate.events.TollgateEvent;
import io.tollgate.events.Credits;
import io.tollgate.views.projection.Sql;

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

/**
 * Compares the billing views with the system of record, account by account: the totals the event store
 * (Axon's ledger.domain_event_entry) adds up to, against both the views' account rows and the sums of
 * their ledger lines, so that a wrong total and a wrong or missing line are each caught.
 */
public final class LedgerAudit {
    private static final String[] FIELDS = {"granted", "debited", "refunded", "expired", "adjusted", "balance"};

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
        Map<String, BillingTotals> ledger = fromEventStore(only);
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
        int differences = 0;
        for (String account : ids) {
            BillingTotals expected = ledger.getOrDefault(account, BillingTotals.ZERO);
            differences += compare(out, account, "accounts", expected, accounts.get(account), ledger.containsKey(account));
            differences += compare(out, account, "ledger_lines", expected, lines.get(account), ledger.containsKey(account));
        }
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
    private Map<String, BillingTotals> fromEventStore(Set<String> only) throws SQLException {
        Map<String, BillingTotals> totals = new HashMap<>();
        String sql = """
                select payload_type, payload_revision, payload from %s.domain_event_entry
                where payload_type in ('io.tollgate.events.CreditsGranted', 'io.tollgate.events.CreditsDebited',
                                       'io.tollgate.events.CreditsRefunded', 'io.tollgate.events.CreditsExpired',
                                       'io.tollgate.events.CreditsAdjusted')
                """.formatted(ledgerSchema) + (only.isEmpty() ? "" : " and aggregate_identifier = any(?)")
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
            case CreditsDebited e -> BillingTotals.ZERO.plus(0, e.amountMicros(), 0, 0, 0);
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
