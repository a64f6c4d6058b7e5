package io.tollgate.views.overview;

import io.tollgate.events.support.Credits;
import io.tollgate.views.overview.AdminOverviewController.AccountSummary;
import io.tollgate.views.overview.AdminOverviewController.Revenue;
import io.tollgate.views.overview.AdminOverviewController.TopAccount;
import io.tollgate.views.overview.AdminOverviewController.Totals;
import io.tollgate.views.period.Period;
import io.tollgate.views.usage.UsageMetrics;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

/** The SQL behind {@link AdminOverviewController}: sums over every account's rows. */
@Component
class OverviewQueries {
    /** Revenue per provider and model. */
    static final String BY_MODEL = "provider, model";
    /** Revenue per provider (the model column left null). */
    static final String BY_PROVIDER = "provider, null::text";

    private final JdbcClient jdbc;

    OverviewQueries(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** All-time billing totals over every account. */
    Totals totals() {
        return jdbc.sql("""
                        select count(*), count(closed_at), coalesce(sum(granted_micros), 0), coalesce(sum(debited_micros), 0),
                               coalesce(sum(refunded_micros), 0), coalesce(sum(expired_micros), 0),
                               coalesce(sum(adjusted_micros), 0), coalesce(sum(reserved_micros + lease_hold_micros), 0)
                        from views.accounts""")
                .query((rs, row) -> new Totals(rs.getLong(1), rs.getLong(2), Credits.toCredits(rs.getLong(3)),
                        Credits.toCredits(rs.getLong(4)), Credits.toCredits(rs.getLong(5)),
                        Credits.toCredits(rs.getLong(6)), Credits.toCredits(rs.getLong(7)),
                        Credits.toCredits(rs.getLong(3) - rs.getLong(4) + rs.getLong(5) - rs.getLong(6) + rs.getLong(7)),
                        Credits.toCredits(rs.getLong(8))))
                .single();
    }

    UsageMetrics usage(Period period) {
        return jdbc.sql("select " + UsageMetrics.SUMS + " from views.usage_hourly where hour >= ? and hour < ?")
                .params(Timestamp.from(period.from()), Timestamp.from(period.to()))
                .query((rs, row) -> UsageMetrics.read(rs, 1))
                .single();
    }

    List<TopAccount> topAccounts(Period period, int limit) {
        return jdbc.sql("""
                        select u.account_id, a.display_name, sum(u.requests), sum(u.credits_micros)
                        from views.usage_hourly u left join views.accounts a using (account_id)
                        where u.hour >= ? and u.hour < ?
                        group by 1, 2 order by 4 desc, 3 desc, 1 limit ?""")
                .params(Timestamp.from(period.from()), Timestamp.from(period.to()), limit)
                .query((rs, row) -> new TopAccount(rs.getString(1), rs.getString(2), rs.getLong(3),
                        Credits.toCredits(rs.getLong(4))))
                .list();
    }

    /** @param dimensions {@link #BY_MODEL} or {@link #BY_PROVIDER} */
    List<Revenue> revenue(String dimensions, Period period, int limit) {
        return jdbc.sql("""
                        select %s, sum(requests), sum(succeeded), sum(input_tokens), sum(output_tokens),
                               sum(credits_micros), sum(refunded_micros)
                        from views.usage_hourly where hour >= ? and hour < ?
                        group by 1, 2 order by 7 desc, 3 desc, 1, 2 limit ?""".formatted(dimensions))
                .params(Timestamp.from(period.from()), Timestamp.from(period.to()), limit)
                .query((rs, row) -> new Revenue(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4),
                        rs.getLong(5), rs.getLong(6), Credits.toCredits(rs.getLong(7)), Credits.toCredits(rs.getLong(8))))
                .list();
    }

    /** At most {@code limit} accounts by id, after {@code afterAccount} when given. */
    List<AccountSummary> accounts(String afterAccount, int limit) {
        List<Object> params = new ArrayList<>();
        String where = "";
        if (afterAccount != null) {
            where = "where account_id > ?";
            params.add(afterAccount);
        }
        params.add(limit);
        return jdbc.sql("""
                        select account_id, display_name, closed_at is not null,
                               granted_micros - debited_micros + refunded_micros - expired_micros + adjusted_micros,
                               reserved_micros + lease_hold_micros, last_event_at
                        from views.accounts %s order by account_id limit ?""".formatted(where))
                .params(params)
                .query((rs, row) -> new AccountSummary(rs.getString(1), rs.getString(2), rs.getBoolean(3),
                        Credits.toCredits(rs.getLong(4)), Credits.toCredits(rs.getLong(5)),
                        rs.getTimestamp(6).toInstant()))
                .list();
    }
}
