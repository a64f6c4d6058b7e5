package io.tollgate.views.billing;

import io.tollgate.events.support.Credits;
import io.tollgate.views.billing.BillingController.Balance;
import io.tollgate.views.billing.BillingController.LedgerLine;
import io.tollgate.views.billing.BillingController.ModelTotal;
import io.tollgate.views.billing.BillingController.Purchase;
import io.tollgate.views.billing.BillingController.StatementTotals;
import io.tollgate.views.period.Period;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The SQL behind {@link BillingController}: reads of views.accounts and views.ledger_lines. */
@Component
class BillingQueries {
    private final JdbcClient jdbc;

    BillingQueries(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Empty for an account the views do not know; the burn rate is net spend per day over the window. */
    Optional<Balance> balance(String accountId, Duration burnWindow) {
        Instant since = Instant.now().minus(burnWindow);
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
                            .divide(BigDecimal.valueOf(burnWindow.toDays()), 6, RoundingMode.HALF_UP);
                    BigDecimal days = burnPerDay.signum() == 0 ? null
                            : Credits.toCredits(Math.max(0, available)).divide(burnPerDay, 1, RoundingMode.HALF_UP);
                    return new Balance(accountId, rs.getString(1), rs.getBoolean(2), Credits.toCredits(rs.getLong(3)),
                            Credits.toCredits(rs.getLong(4)), Credits.toCredits(rs.getLong(5)),
                            Credits.toCredits(rs.getLong(6)), Credits.toCredits(rs.getLong(7)),
                            Credits.toCredits(balance), Credits.toCredits(reserved), rs.getInt(9),
                            Credits.toCredits(available), burnPerDay, days);
                })
                .optional();
    }

    /**
     * Newest first, at most {@code limit} lines.
     *
     * @param kind       null: every kind
     * @param period     null: all time
     * @param beforeLine null: from the newest line
     */
    List<LedgerLine> ledger(String accountId, String kind, Period period, Long beforeLine, int limit) {
        List<Object> params = new ArrayList<>(List.of(accountId));
        StringBuilder where = new StringBuilder("account_id = ?");
        if (kind != null) {
            where.append(" and kind = ?");
            params.add(kind);
        }
        if (period != null) {
            where.append(" and occurred_at >= ? and occurred_at < ?");
            params.add(Timestamp.from(period.from()));
            params.add(Timestamp.from(period.to()));
        }
        if (beforeLine != null) {
            where.append(" and line_no < ?");
            params.add(beforeLine);
        }
        params.add(limit);
        return jdbc.sql("""
                        select line_no, occurred_at, kind, amount_micros, balance_micros, request_id, grant_id, provider,
                               model, note, source, reference
                        from views.ledger_lines where %s order by line_no desc limit ?""".formatted(where))
                .params(params)
                .query((rs, row) -> new LedgerLine(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getString(3),
                        Credits.toCredits(rs.getLong(4)), Credits.toCredits(rs.getLong(5)), rs.getString(6),
                        rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10), rs.getString(11),
                        rs.getString(12)))
                .list();
    }

    List<ModelTotal> debitsByModel(String accountId, Instant start, Instant end) {
        return jdbc.sql("""
                        select provider, model, count(*), sum(-amount_micros) from views.ledger_lines
                        where account_id = ? and kind = 'debit' and occurred_at >= ? and occurred_at < ?
                        group by 1, 2 order by 4 desc, 1, 2""")
                .params(accountId, Timestamp.from(start), Timestamp.from(end))
                .query((rs, row) -> new ModelTotal(rs.getString(1), rs.getString(2), rs.getLong(3),
                        Credits.toCredits(rs.getLong(4))))
                .list();
    }

    List<Purchase> purchases(String accountId, Instant start, Instant end) {
        return jdbc.sql("""
                        select occurred_at, amount_micros, grant_id, reference from views.ledger_lines
                        where account_id = ? and kind = 'grant' and source = 'PURCHASE' and occurred_at >= ?
                          and occurred_at < ?
                        order by line_no""")
                .params(accountId, Timestamp.from(start), Timestamp.from(end))
                .query((rs, row) -> new Purchase(rs.getTimestamp(1).toInstant(), Credits.toCredits(rs.getLong(2)),
                        rs.getString(3), rs.getString(4)))
                .list();
    }

    /** Every month with a credit movement in the zone, newest first; {@code only} null: every month. */
    List<StatementTotals> monthTotals(String accountId, ZoneId zone, YearMonth only) {
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

    /** The balance after the account's last line before {@code instant}; 0 without one. */
    long balanceBefore(String accountId, Instant instant) {
        return jdbc.sql("""
                        select coalesce((select balance_micros from views.ledger_lines
                                          where account_id = ? and occurred_at < ? order by line_no desc limit 1), 0)""")
                .params(accountId, Timestamp.from(instant))
                .query(Long.class)
                .single();
    }

    boolean accountExists(String accountId) {
        return jdbc.sql("select exists (select 1 from views.accounts where account_id = ?)")
                .param(accountId).query(Boolean.class).single();
    }
}
