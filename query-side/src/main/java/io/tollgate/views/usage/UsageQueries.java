package io.tollgate.views.usage;

import io.tollgate.events.support.Credits;
import io.tollgate.views.period.Period;
import io.tollgate.views.usage.UsageController.Bucket;
import io.tollgate.views.usage.UsageController.Share;
import io.tollgate.views.usage.UsageController.Totals;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The SQL behind {@link UsageController}: sums over views.usage_hourly. {@code storedApp} is an app filter as
 * stored ('' for no app), null for every app; dimensions and granularities come from the controller's own
 * lists, never from the caller.
 */
@Component
class UsageQueries {
    private final JdbcClient jdbc;

    UsageQueries(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    Totals totals(String accountId) {
        return jdbc.sql("""
                        select coalesce(sum(requests), 0), coalesce(sum(succeeded), 0), coalesce(sum(failed), 0),
                               coalesce(sum(rejected), 0), coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0),
                               coalesce(sum(cached_tokens), 0), coalesce(sum(credits_micros), 0)
                        from views.usage_hourly where account_id = ?""")
                .param(accountId)
                .query((rs, row) -> new Totals(accountId, rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
                        rs.getLong(5), rs.getLong(6), rs.getLong(7), Credits.toCredits(rs.getLong(8))))
                .single();
    }

    /** Buckets of the granularity in the period's zone, per group (an SQL expression; null::text for none). */
    List<Bucket> series(String accountId, String granularity, String group, Period period, String storedApp) {
        String zone = period.zone().getId();
        return jdbc.sql("""
                        select date_trunc('%s', hour at time zone :zone) at time zone :zone as bucket, %s as grp, %s
                        from views.usage_hourly
                        where account_id = :account and hour >= :from and hour < :to%s
                        group by 1, 2 order by 1, 2""".formatted(granularity, group, UsageMetrics.SUMS,
                        storedApp == null ? "" : " and app_id = :app"))
                .param("zone", zone)
                .param("account", accountId)
                .param("from", Timestamp.from(period.from()))
                .param("to", Timestamp.from(period.to()))
                .params(storedApp == null ? Map.of() : Map.of("app", storedApp))
                .query((rs, row) -> new Bucket(rs.getTimestamp(1).toInstant().atZone(period.zone()).toOffsetDateTime(),
                        rs.getString(2), UsageMetrics.read(rs, 3)))
                .list();
    }

    UsageMetrics metrics(String accountId, Period period, String storedApp) {
        List<Object> params = new ArrayList<>(List.of(accountId, Timestamp.from(period.from()),
                Timestamp.from(period.to())));
        return jdbc.sql("select " + UsageMetrics.SUMS
                        + " from views.usage_hourly where account_id = ? and hour >= ? and hour < ?"
                        + appCondition(storedApp, params))
                .params(params)
                .query((rs, row) -> UsageMetrics.read(rs, 1))
                .single();
    }

    /** The top {@code limit} values of a dimension (an SQL expression) by requests. */
    List<Share> shares(String accountId, String dimension, Period period, int limit, String storedApp) {
        List<Object> params = new ArrayList<>(List.of(accountId, Timestamp.from(period.from()),
                Timestamp.from(period.to())));
        String appCondition = appCondition(storedApp, params);
        params.add(limit);
        // Nulls (no app, no key) sort last among equals, so the named ones lead.
        return jdbc.sql("""
                        select %s, %s from views.usage_hourly
                        where account_id = ? and hour >= ? and hour < ?%s
                        group by 1 order by sum(requests) desc, 1 nulls last limit ?"""
                        .formatted(dimension, UsageMetrics.SUMS, appCondition))
                .params(params)
                .query((rs, row) -> new Share(rs.getString(1), UsageMetrics.read(rs, 2)))
                .list();
    }

    private static String appCondition(String storedApp, List<Object> params) {
        if (storedApp == null) {
            return "";
        }
        params.add(storedApp);
        return " and app_id = ?";
    }
}
