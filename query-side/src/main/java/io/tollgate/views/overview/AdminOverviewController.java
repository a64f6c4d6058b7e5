package io.tollgate.views.overview;

import io.tollgate.events.support.Credits;
import io.tollgate.views.period.KeysetCursor;
import io.tollgate.views.period.Period;
import io.tollgate.views.usage.UsageMetrics;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Across all accounts; admins only (see ViewerScopeInterceptor). */
@RestController
@RequestMapping("/api/views/admin")
class AdminOverviewController {
    private final JdbcClient jdbc;

    AdminOverviewController(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** All-time billing totals over every account. */
    record Totals(long accounts, long closedAccounts, BigDecimal granted, BigDecimal debited, BigDecimal refunded,
                  BigDecimal expired, BigDecimal adjusted, BigDecimal balance, BigDecimal reserved) {
    }

    record TopAccount(String accountId, String displayName, long requests, BigDecimal credits) {
    }

    record Revenue(String provider, String model, long requests, long succeeded, long inputTokens, long outputTokens,
                   BigDecimal credits, BigDecimal refunded) {
    }

    record Overview(Instant from, Instant to, Totals totals, UsageMetrics period, List<TopAccount> topAccounts,
                    List<Revenue> revenueByModel, List<Revenue> revenueByProvider) {
    }

    record AccountSummary(String accountId, String displayName, boolean closed, BigDecimal balance,
                          BigDecimal reserved, Instant lastEventAt) {
    }

    @GetMapping("/overview")
    Overview overview(@RequestParam(required = false) String from, @RequestParam(required = false) String to,
                      @RequestParam(required = false) String tz, @RequestParam(defaultValue = "10") int limit) {
        if (limit < 1 || limit > 500) {
            throw Period.badRequest("limit must be between 1 and 500");
        }
        Period period = Period.parse(from, to, tz, Duration.ofDays(30));
        Timestamp start = Timestamp.from(period.from());
        Timestamp end = Timestamp.from(period.to());
        Totals totals = jdbc.sql("""
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
        UsageMetrics usage = jdbc.sql("select " + UsageMetrics.SUMS + " from views.usage_hourly where hour >= ? and hour < ?")
                .params(start, end)
                .query((rs, row) -> UsageMetrics.read(rs, 1))
                .single();
        List<TopAccount> top = jdbc.sql("""
                        select u.account_id, a.display_name, sum(u.requests), sum(u.credits_micros)
                        from views.usage_hourly u left join views.accounts a using (account_id)
                        where u.hour >= ? and u.hour < ?
                        group by 1, 2 order by 4 desc, 3 desc, 1 limit ?""")
                .params(start, end, limit)
                .query((rs, row) -> new TopAccount(rs.getString(1), rs.getString(2), rs.getLong(3),
                        Credits.toCredits(rs.getLong(4))))
                .list();
        return new Overview(period.from(), period.to(), totals, usage, top,
                revenue("provider, model", start, end, limit), revenue("provider, null::text", start, end, limit));
    }

    private List<Revenue> revenue(String dimensions, Timestamp start, Timestamp end, int limit) {
        return jdbc.sql("""
                        select %s, sum(requests), sum(succeeded), sum(input_tokens), sum(output_tokens),
                               sum(credits_micros), sum(refunded_micros)
                        from views.usage_hourly where hour >= ? and hour < ?
                        group by 1, 2 order by 7 desc, 3 desc, 1, 2 limit ?""".formatted(dimensions))
                .params(start, end, limit)
                .query((rs, row) -> new Revenue(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4),
                        rs.getLong(5), rs.getLong(6), Credits.toCredits(rs.getLong(7)), Credits.toCredits(rs.getLong(8))))
                .list();
    }

    /** Every account by id; the next page's cursor is in X-Next-Cursor. */
    @GetMapping("/accounts")
    ResponseEntity<List<AccountSummary>> accounts(@RequestParam(defaultValue = "100") int limit,
                                                  @RequestParam(required = false) String cursor) {
        if (limit < 1 || limit > 500) {
            throw Period.badRequest("limit must be between 1 and 500");
        }
        List<Object> params = new ArrayList<>();
        String where = "";
        if (cursor != null) {
            where = "where account_id > ?";
            params.add(KeysetCursor.decode(cursor, 1)[0]);
        }
        params.add(limit + 1);
        List<AccountSummary> page = jdbc.sql("""
                        select account_id, display_name, closed_at is not null,
                               granted_micros - debited_micros + refunded_micros - expired_micros + adjusted_micros,
                               reserved_micros + lease_hold_micros, last_event_at
                        from views.accounts %s order by account_id limit ?""".formatted(where))
                .params(params)
                .query((rs, row) -> new AccountSummary(rs.getString(1), rs.getString(2), rs.getBoolean(3),
                        Credits.toCredits(rs.getLong(4)), Credits.toCredits(rs.getLong(5)),
                        rs.getTimestamp(6).toInstant()))
                .list();
        HttpHeaders headers = new HttpHeaders();
        if (page.size() > limit) {
            headers.add(KeysetCursor.NEXT_HEADER, KeysetCursor.encode(page.get(limit - 1).accountId()));
        }
        return ResponseEntity.ok().headers(headers).body(page.subList(0, Math.min(limit, page.size())));
    }
}
