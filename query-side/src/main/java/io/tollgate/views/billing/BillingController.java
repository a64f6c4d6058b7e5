package io.tollgate.views.billing;

import io.tollgate.events.support.Credits;
import io.tollgate.views.period.KeysetCursor;
import io.tollgate.views.period.Period;
import io.tollgate.views.viewer.AccountNotFound;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/** Billing views of one account. Amounts are credits (exact decimals); negative ledger amounts take credit away. */
@RestController
@RequestMapping("/api/views/accounts/{accountId}")
class BillingController {
    private static final int MAX_PAGE = 500;
    /** The recent burn rate is measured over this window. */
    private static final Duration BURN_WINDOW = Duration.ofDays(7);

    private final JdbcClient jdbc;

    BillingController(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * @param balance                granted − debited + refunded − expired + adjusted
     * @param reserved               what is not available to new requests: open credit leases' amounts minus
     *                               what their requests were already debited (floor 0 per lease), plus holds of
     *                               single requests from before leases (old-shape CreditsReserved)
     * @param openReservations       open credit leases plus open old-shape request holds
     * @param available              balance − reserved
     * @param burnPerDay             net spend per day over the last 7 days
     * @param estimatedDaysRemaining available / burnPerDay; null without recent spend
     */
    record Balance(String accountId, String displayName, boolean closed, BigDecimal granted, BigDecimal debited,
                   BigDecimal refunded, BigDecimal expired, BigDecimal adjusted, BigDecimal balance,
                   BigDecimal reserved, int openReservations, BigDecimal available, BigDecimal burnPerDay,
                   BigDecimal estimatedDaysRemaining) {
    }

    /**
     * @param source    a grant's source: ADMIN, PURCHASE or PROMOTION
     * @param reference a purchase's payment reference (Stripe's payment intent)
     */
    record LedgerLine(long lineNo, Instant occurredAt, String kind, BigDecimal amount, BigDecimal balance,
                      String requestId, String grantId, String provider, String model, String note, String source,
                      String reference) {
    }

    /** @param purchased the part of granted that was bought (grants of source PURCHASE) */
    record StatementTotals(String month, BigDecimal opening, BigDecimal granted, BigDecimal debited,
                           BigDecimal refunded, BigDecimal expired, BigDecimal adjusted, BigDecimal closing,
                           BigDecimal purchased) {
    }

    /** A credit purchase of the month: when, how many credits, and the payment that paid for it. */
    record Purchase(Instant occurredAt, BigDecimal credits, String grantId, String reference) {
    }

    record ModelTotal(String provider, String model, long debits, BigDecimal credits) {
    }

    record Statement(String accountId, String timeZone, StatementTotals totals, List<ModelTotal> byModel,
                     List<Purchase> purchases) {
    }

    @GetMapping("/balance")
    Balance balance(@PathVariable String accountId) {
        Instant since = Instant.now().minus(BURN_WINDOW);
        return jdbc.sql("""
                        select display_name, closed_at is not null, granted_micros, debited_micros, refunded_micros,
                               expired_micros, adjusted_micros, reserved_micros + lease_hold_micros,
                               open_reservations + open_leases,
                               (select coalesce(sum(-amount_micros), 0) from views.ledger_lines l
                                 where l.account_id = a.account_id and l.kind in ('debit', 'refund')
                                   and l.occurred_at >= ?)
                        from views.accounts a where account_id = ?""")
                .params(Timestamp.from(since), accountId)
                .query((rs, row) -> {
                    long balance = rs.getLong(3) - rs.getLong(4) + rs.getLong(5) - rs.getLong(6) + rs.getLong(7);
                    long reserved = rs.getLong(8);
                    long available = balance - reserved;
                    BigDecimal burnPerDay = Credits.toCredits(Math.max(0, rs.getLong(10)))
                            .divide(BigDecimal.valueOf(BURN_WINDOW.toDays()), 6, RoundingMode.HALF_UP);
                    BigDecimal days = burnPerDay.signum() == 0 ? null
                            : Credits.toCredits(Math.max(0, available)).divide(burnPerDay, 1, RoundingMode.HALF_UP);
                    return new Balance(accountId, rs.getString(1), rs.getBoolean(2), Credits.toCredits(rs.getLong(3)),
                            Credits.toCredits(rs.getLong(4)), Credits.toCredits(rs.getLong(5)),
                            Credits.toCredits(rs.getLong(6)), Credits.toCredits(rs.getLong(7)),
                            Credits.toCredits(balance), Credits.toCredits(reserved), rs.getInt(9),
                            Credits.toCredits(available), burnPerDay, days);
                })
                .optional()
                .orElseThrow(() -> AccountNotFound.of(accountId));
    }

    /** Newest first; the next page's cursor is in X-Next-Cursor. */
    @GetMapping("/ledger")
    ResponseEntity<List<LedgerLine>> ledger(@PathVariable String accountId, @RequestParam(required = false) String kind,
                                            @RequestParam(required = false) String from,
                                            @RequestParam(required = false) String to,
                                            @RequestParam(required = false) String tz,
                                            @RequestParam(defaultValue = "100") int limit,
                                            @RequestParam(required = false) String cursor) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw Period.badRequest("limit must be between 1 and " + MAX_PAGE);
        }
        requireAccount(accountId);
        List<Object> params = new ArrayList<>(List.of(accountId));
        StringBuilder where = new StringBuilder("account_id = ?");
        if (kind != null) {
            where.append(" and kind = ?");
            params.add(kind);
        }
        if (from != null || to != null) {
            Period period = Period.parse(from == null ? "1970-01-01T00:00:00Z" : from,
                    to == null ? "9999-12-31T00:00:00Z" : to, tz, Duration.ZERO);
            where.append(" and occurred_at >= ? and occurred_at < ?");
            params.add(Timestamp.from(period.from()));
            params.add(Timestamp.from(period.to()));
        }
        if (cursor != null) {
            where.append(" and line_no < ?");
            try {
                params.add(Long.parseLong(KeysetCursor.decode(cursor, 1)[0]));
            } catch (NumberFormatException e) {
                throw Period.badRequest("not a cursor of this list");
            }
        }
        params.add(limit + 1);
        List<LedgerLine> lines = jdbc.sql("""
                        select line_no, occurred_at, kind, amount_micros, balance_micros, request_id, grant_id, provider,
                               model, note, source, reference
                        from views.ledger_lines where %s order by line_no desc limit ?""".formatted(where))
                .params(params)
                .query((rs, row) -> new LedgerLine(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getString(3),
                        Credits.toCredits(rs.getLong(4)), Credits.toCredits(rs.getLong(5)), rs.getString(6),
                        rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10), rs.getString(11),
                        rs.getString(12)))
                .list();
        HttpHeaders headers = new HttpHeaders();
        if (lines.size() > limit) {
            headers.add(KeysetCursor.NEXT_HEADER, KeysetCursor.encode(Long.toString(lines.get(limit - 1).lineNo())));
        }
        return ResponseEntity.ok().headers(headers).body(lines.subList(0, Math.min(limit, lines.size())));
    }

    /** Every month with a credit movement, newest first, with opening and closing balance. */
    @GetMapping("/statements")
    List<StatementTotals> statements(@PathVariable String accountId, @RequestParam(required = false) String tz) {
        requireAccount(accountId);
        return monthTotals(accountId, Period.zone(tz), null);
    }

    /** @param month yyyy-MM in the viewer's time zone */
    @GetMapping("/statements/{month}")
    Statement statement(@PathVariable String accountId, @PathVariable String month,
                        @RequestParam(required = false) String tz) {
        requireAccount(accountId);
        ZoneId zone = Period.zone(tz);
        YearMonth yearMonth;
        try {
            yearMonth = YearMonth.parse(month);
        } catch (DateTimeParseException e) {
            throw Period.badRequest("month must be yyyy-MM");
        }
        List<StatementTotals> totals = monthTotals(accountId, zone, yearMonth);
        StatementTotals ofMonth = totals.isEmpty() ? emptyMonth(accountId, zone, yearMonth) : totals.getFirst();
        Instant start = yearMonth.atDay(1).atStartOfDay(zone).toInstant();
        Instant end = yearMonth.plusMonths(1).atDay(1).atStartOfDay(zone).toInstant();
        List<ModelTotal> byModel = jdbc.sql("""
                        select provider, model, count(*), sum(-amount_micros) from views.ledger_lines
                        where account_id = ? and kind = 'debit' and occurred_at >= ? and occurred_at < ?
                        group by 1, 2 order by 4 desc, 1, 2""")
                .params(accountId, Timestamp.from(start), Timestamp.from(end))
                .query((rs, row) -> new ModelTotal(rs.getString(1), rs.getString(2), rs.getLong(3),
                        Credits.toCredits(rs.getLong(4))))
                .list();
        List<Purchase> purchases = jdbc.sql("""
                        select occurred_at, amount_micros, grant_id, reference from views.ledger_lines
                        where account_id = ? and kind = 'grant' and source = 'PURCHASE' and occurred_at >= ?
                          and occurred_at < ?
                        order by line_no""")
                .params(accountId, Timestamp.from(start), Timestamp.from(end))
                .query((rs, row) -> new Purchase(rs.getTimestamp(1).toInstant(), Credits.toCredits(rs.getLong(2)),
                        rs.getString(3), rs.getString(4)))
                .list();
        return new Statement(accountId, zone.getId(), ofMonth, byModel, purchases);
    }

    private List<StatementTotals> monthTotals(String accountId, ZoneId zone, YearMonth only) {
        String filter = only == null ? "" : " where month = '" + only + "'";
        return jdbc.sql("""
                        with months as (
                            select to_char(occurred_at at time zone :zone, 'YYYY-MM') as month,
                                   sum(amount_micros) filter (where kind = 'grant') as granted,
                                   sum(-amount_micros) filter (where kind = 'debit') as debited,
                                   sum(amount_micros) filter (where kind = 'refund') as refunded,
                                   sum(-amount_micros) filter (where kind = 'expiry') as expired,
                                   sum(amount_micros) filter (where kind = 'adjustment') as adjusted,
                                   sum(amount_micros) filter (where kind = 'grant' and source = 'PURCHASE') as purchased,
                                   sum(amount_micros) as net,
                                   (array_agg(balance_micros order by line_no desc))[1] as closing
                            from views.ledger_lines where account_id = :account group by 1)
                        select month, closing - net, coalesce(granted, 0), coalesce(debited, 0), coalesce(refunded, 0),
                               coalesce(expired, 0), coalesce(adjusted, 0), closing, coalesce(purchased, 0)
                        from months%s order by month desc""".formatted(filter))
                .param("zone", zone.getId())
                .param("account", accountId)
                .query((rs, row) -> new StatementTotals(rs.getString(1), Credits.toCredits(rs.getLong(2)),
                        Credits.toCredits(rs.getLong(3)), Credits.toCredits(rs.getLong(4)),
                        Credits.toCredits(rs.getLong(5)), Credits.toCredits(rs.getLong(6)),
                        Credits.toCredits(rs.getLong(7)), Credits.toCredits(rs.getLong(8)),
                        Credits.toCredits(rs.getLong(9))))
                .list();
    }

    /** A month without movements: opening = closing = the balance after the last earlier line. */
    private StatementTotals emptyMonth(String accountId, ZoneId zone, YearMonth month) {
        Instant start = month.atDay(1).atStartOfDay(zone).toInstant();
        long balance = jdbc.sql("""
                        select coalesce((select balance_micros from views.ledger_lines
                                          where account_id = ? and occurred_at < ? order by line_no desc limit 1), 0)""")
                .params(accountId, Timestamp.from(start))
                .query(Long.class)
                .single();
        BigDecimal zero = Credits.toCredits(0);
        return new StatementTotals(month.toString(), Credits.toCredits(balance), zero, zero, zero, zero, zero,
                Credits.toCredits(balance), zero);
    }

    private void requireAccount(String accountId) {
        boolean known = jdbc.sql("select exists (select 1 from views.accounts where account_id = ?)")
                .param(accountId).query(Boolean.class).single();
        if (!known) {
            throw AccountNotFound.of(accountId);
        }
    }
}
