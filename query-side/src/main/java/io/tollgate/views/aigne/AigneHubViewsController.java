package io.tollgate.views.aigne;

import io.tollgate.events.support.Credits;
import io.tollgate.views.billing.KnownAccounts;
import io.tollgate.views.period.Period;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The views behind AIGNE Hub's user-facing routes (the gateway answers {@code /api/user/credit/*} and
 * {@code /api/usage/*} from these), in AIGNE Hub's field names. AIGNE Hub answers balances in its credit
 * currency's smallest unit, as strings, with the currency's {@code decimal}; here the unit is the micro-credit
 * (decimal 6), so a client's own conversion gives exact credits.
 */
@RestController
class AigneHubViewsController {
    /** A micro-credit is 10^-6 credits. */
    private static final int MICROS_DECIMALS = 6;
    /** How AIGNE Hub clients convert unit amounts: amount / 10^decimal. */
    static final Map<String, Object> CURRENCY = Map.of("id", "credits", "name", "Credits", "symbol", "credits",
            "decimal", MICROS_DECIMALS);
    private static final long DAY = 86_400, HOUR = 3_600;
    /** Longest range the trends answer, in days of day buckets. */
    private static final long MAX_TREND_DAYS = 400;

    private final AigneHubQueries queries;
    private final KnownAccounts accounts;

    AigneHubViewsController(AigneHubQueries queries, KnownAccounts accounts) {
        this.queries = queries;
        this.accounts = accounts;
    }

    private AigneHubQueries.Totals totals(String accountId) {
        accounts.require(accountId);
        return queries.totals(accountId);
    }

    /**
     * AIGNE Hub's {@code GET /api/user/credit/balance}: {@code balance}, {@code total} (what was ever available:
     * granted − expired + adjusted), {@code grantCount}, {@code pendingCredit} (always "0": Tollgate debits
     * every request as it settles) and {@code currency}.
     */
    @GetMapping("/api/views/accounts/{accountId}/aigne/credit/balance")
    Map<String, Object> balance(@PathVariable String accountId) {
        AigneHubQueries.Totals totals = totals(accountId);
        long grants = queries.grantCount(accountId);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("balance", Long.toString(totals.balance()));
        body.put("currency", CURRENCY);
        body.put("total", Long.toString(totals.total()));
        body.put("grantCount", grants);
        body.put("pendingCredit", "0");
        return body;
    }

    /**
     * AIGNE Hub's {@code GET /api/user/credit/transactions} (Payment Kit's credit transactions: what requests
     * consumed), newest first: {@code {count, list, paging}}.
     *
     * @param start, end unix seconds bounding the transactions' time (end inclusive)
     */
    @GetMapping("/api/views/accounts/{accountId}/aigne/credit/transactions")
    Map<String, Object> transactions(@PathVariable String accountId,
                                     @RequestParam(defaultValue = "1") int page,
                                     @RequestParam(defaultValue = "20") int pageSize,
                                     @RequestParam(required = false) Long start,
                                     @RequestParam(required = false) Long end) {
        if (page < 1) {
            throw Period.badRequest("page must be at least 1");
        }
        if (pageSize < 1 || pageSize > 100) {
            throw Period.badRequest("pageSize must be between 1 and 100");
        }
        if ((start != null && start < 0) || (end != null && end < 0)) {
            throw Period.badRequest("start and end are unix seconds");
        }
        accounts.require(accountId);
        Instant from = Instant.ofEpochSecond(start == null ? 0 : start);
        Instant to = end == null ? Instant.parse("9999-12-31T00:00:00Z") : Instant.ofEpochSecond(end + 1);
        long count = queries.debitCount(accountId, from, to);
        List<Map<String, Object>> list = queries.debits(accountId, from, to, pageSize, (long) (page - 1) * pageSize);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("count", count);
        body.put("list", list);
        body.put("paging", Map.of("page", page, "pageSize", pageSize));
        return body;
    }

    /**
     * AIGNE Hub's {@code GET /api/usage/quota}, in credits (numbers): {@code total}, {@code remaining},
     * {@code used}, {@code pendingCredit}, {@code estimatedDaysRemaining} (999 with credit and no spend),
     * {@code dailyAvgCredits} (the range's spend per day) and {@code currency}.
     */
    @GetMapping("/api/views/accounts/{accountId}/aigne/usage/quota")
    Map<String, Object> quota(@PathVariable String accountId, @RequestParam(required = false) String startTime,
                              @RequestParam(required = false) String endTime,
                              @RequestParam(required = false) String timeRange) {
        AigneHubQueries.Totals totals = totals(accountId);
        Range range = Range.of(startTime, endTime, timeRange, 30);
        long spent = queries.netSpend(accountId, Instant.ofEpochSecond(range.start() / HOUR * HOUR),
                Instant.ofEpochSecond(range.end()));
        BigDecimal remaining = Credits.toCredits(totals.balance());
        BigDecimal total = Credits.toCredits(totals.total());
        BigDecimal dailyAvg = Credits.toCredits(spent).divide(BigDecimal.valueOf(range.days()), MICROS_DECIMALS,
                RoundingMode.HALF_UP);
        long daysLeft = 0;
        if (spent > 0 && remaining.signum() > 0) {
            // Exactly: remaining / (spent / days), not through the rounded daily average.
            daysLeft = Math.max(1, BigDecimal.valueOf(totals.balance()).multiply(BigDecimal.valueOf(range.days()))
                    .divide(BigDecimal.valueOf(spent), 0, RoundingMode.FLOOR).longValue());
        } else if (remaining.signum() > 0) {
            daysLeft = 999;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("total", total);
        body.put("remaining", remaining);
        body.put("used", total.subtract(remaining));
        body.put("pendingCredit", BigDecimal.ZERO);
        body.put("estimatedDaysRemaining", daysLeft);
        body.put("dailyAvgCredits", dailyAvg.stripTrailingZeros());
        body.put("currency", CURRENCY);
        return body;
    }

    /**
     * AIGNE Hub's {@code GET /api/usage/trends} (admins; every account): one bucket per hour for a range of a day
     * or less, else per UTC day, every bucket of the range present; {@code timestamp} is the bucket's start in
     * unix seconds, {@code avgDuration} seconds.
     */
    @GetMapping("/api/views/admin/aigne/usage/trends")
    Map<String, Object> trends(@RequestParam(required = false) String startTime,
                               @RequestParam(required = false) String endTime,
                               @RequestParam(required = false) String timeRange) {
        Range range = Range.of(startTime, endTime, timeRange, 30);
        if (range.days() > MAX_TREND_DAYS) {
            throw Period.badRequest("the range is longer than " + MAX_TREND_DAYS + " days");
        }
        long size = range.days() <= 1 ? HOUR : DAY;
        long first = Math.floorDiv(range.start(), size) * size, last = Math.floorDiv(range.end(), size) * size;
        Map<Long, Map<String, Object>> buckets = new LinkedHashMap<>();
        for (long t = first; t <= last; t += size) {
            buckets.put(t, trend(t, 0, 0, 0, 0, 0, 0));
        }
        for (AigneHubQueries.TrendRow row : queries.trends(size, Instant.ofEpochSecond(first),
                Instant.ofEpochSecond(range.end()))) {
            buckets.put(row.timestamp(), trend(row.timestamp(), row.calls(), row.succeeded(), row.timed(),
                    row.millis(), row.creditMicros(), row.tokens()));
        }
        return Map.of("trends", new ArrayList<>(buckets.values()));
    }

    private static Map<String, Object> trend(long timestamp, long calls, long succeeded, long timed, long millis,
                                             long creditMicros, long tokens) {
        Map<String, Object> trend = new LinkedHashMap<>();
        trend.put("timestamp", timestamp);
        trend.put("calls", calls);
        trend.put("successCalls", succeeded);
        trend.put("successRate", calls == 0 ? 0.0 : succeeded * 100.0 / calls);
        trend.put("avgDuration", timed == 0 ? BigDecimal.ZERO
                : BigDecimal.valueOf(millis).divide(BigDecimal.valueOf(timed * 1000), 1, RoundingMode.HALF_UP));
        trend.put("totalCredits", Credits.toCredits(creditMicros).stripTrailingZeros());
        trend.put("totalUsage", tokens);
        return trend;
    }

    /** AIGNE Hub's time range: unix seconds, or {@code timeRange} days back from {@code endTime} (default now). */
    record Range(long start, long end, long days) {
        static Range of(String startTime, String endTime, String timeRange, int defaultDays) {
            long now = Instant.now().getEpochSecond();
            Long start = seconds(startTime, "startTime"), end = seconds(endTime, "endTime");
            long until = end != null && end > 0 ? end : now;
            if (start != null && start > 0) {
                long from = Math.min(start, until);
                return new Range(from, until, Math.max(1, (until - from + DAY - 1) / DAY));
            }
            Long days = seconds(timeRange, "timeRange");
            long length = days != null && days > 0 ? days : defaultDays;
            if (length > 100 * 366) {
                throw Period.badRequest("timeRange is too long");
            }
            return new Range(until - length * DAY, until, length);
        }

        private static Long seconds(String value, String name) {
            if (value == null || value.isBlank()) {
                return null;
            }
            try {
                return Long.parseLong(value.trim());
            } catch (NumberFormatException e) {
                throw Period.badRequest(name + " must be a whole number");
            }
        }
    }
}
