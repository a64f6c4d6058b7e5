package io.tollgate.views.usage;

import java.time.Instant;
import java.util.LinkedHashMap;
import io.tollgate.views.billing.KnownAccounts;
import io.tollgate.views.period.Period;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/**
 * Usage analytics of one account. Buckets are stored per UTC hour; days and months are formed in the
 * viewer's time zone ({@code tz}) at query time. In zones whose offset is not a whole number of hours
 * (e.g. Asia/Kolkata) an hour bucket counts in the day or month its start falls in.
 */
@RestController
@RequestMapping("/api/views/accounts/{accountId}/usage")
class UsageController {
    /** Requests made for no app are stored under '' and shown as null. */
    private static final Map<String, String> DIMENSIONS = Map.of(
            "model", "provider || '/' || model", "provider", "provider", "key", "api_key_id",
            "app", "nullif(app_id, '')");
    /** The {@code app} filter's value for the requests made for no app. */
    static final String NO_APP = "none";
    private static final Map<String, Duration> DEFAULT_LENGTH = Map.of(
            "hour", Duration.ofDays(1), "day", Duration.ofDays(30), "month", Duration.ofDays(365));

    private final UsageQueries queries;
    private final KnownAccounts accounts;

    UsageController(UsageQueries queries, KnownAccounts accounts) {
        this.queries = queries;
        this.accounts = accounts;
    }

    record Totals(String accountId, long requests, long succeeded, long failed, long rejected, long inputTokens,
                  long outputTokens, long cachedTokens, BigDecimal credits) {
    }

    record Bucket(OffsetDateTime start, String group, UsageMetrics metrics) {
    }

    record Series(String accountId, String granularity, String timeZone, String groupBy, OffsetDateTime from,
                  OffsetDateTime to, List<Bucket> buckets) {
    }

    record Share(String value, UsageMetrics metrics) {
    }

    /** @param change relative change of each number against the previous period, in percent; null from zero */
    record Summary(String accountId, OffsetDateTime from, OffsetDateTime to, UsageMetrics current,
                   UsageMetrics previous, Map<String, BigDecimal> change, List<Share> topModels) {
    }

    /** All-time totals. */
    @GetMapping
    Totals totals(@PathVariable String accountId) {
        accounts.require(accountId);
        return queries.totals(accountId);
    }

    /**
     * @param granularity hour, day or month
     * @param groupBy     none, model, provider, key or app
     * @param app         only the usage of this app ({@code none}: of no app)
     */
    @GetMapping("/series")
    Series series(@PathVariable String accountId, @RequestParam(defaultValue = "day") String granularity,
                  @RequestParam(required = false) String from, @RequestParam(required = false) String to,
                  @RequestParam(required = false) String tz, @RequestParam(defaultValue = "none") String groupBy,
                  @RequestParam(required = false) String app) {
        if (!DEFAULT_LENGTH.containsKey(granularity)) {
            throw Period.badRequest("granularity must be hour, day or month");
        }
        String group = groupBy.equals("none") ? "null::text" : dimension(groupBy);
        accounts.require(accountId);
        Period period = Period.parse(from, to, tz, DEFAULT_LENGTH.get(granularity));
        String zone = period.zone().getId();
        List<Bucket> buckets = queries.series(accountId, granularity, group, period, app == null ? null : storedApp(app));
        return new Series(accountId, granularity, zone, groupBy, at(period, period.from()), at(period, period.to()),
                buckets);
    }

    /**
     * @param by  model, provider, key or app (the app a request was made for; null for none)
     * @param app only the usage of this app ({@code none}: of no app)
     */
    @GetMapping("/breakdown")
    List<Share> breakdown(@PathVariable String accountId, @RequestParam(defaultValue = "model") String by,
                          @RequestParam(required = false) String from, @RequestParam(required = false) String to,
                          @RequestParam(required = false) String tz, @RequestParam(defaultValue = "20") int limit,
                          @RequestParam(required = false) String app) {
        String dimension = dimension(by);
        accounts.require(accountId);
        return shares(accountId, dimension, Period.parse(from, to, tz, Duration.ofDays(30)), limit, app);
    }

    /** @param app only the usage of this app ({@code none}: of no app) */
    @GetMapping("/summary")
    Summary summary(@PathVariable String accountId, @RequestParam(required = false) String from,
                    @RequestParam(required = false) String to, @RequestParam(required = false) String tz,
                    @RequestParam(required = false) String app) {
        accounts.require(accountId);
        Period period = Period.parse(from, to, tz, Duration.ofDays(30));
        UsageMetrics current = metrics(accountId, period, app);
        UsageMetrics previous = metrics(accountId, period.previous(), app);
        Map<String, BigDecimal> change = new LinkedHashMap<>();
        change.put("requests", percent(current.requests(), previous.requests()));
        change.put("succeeded", percent(current.succeeded(), previous.succeeded()));
        change.put("failed", percent(current.failed(), previous.failed()));
        change.put("inputTokens", percent(current.inputTokens(), previous.inputTokens()));
        change.put("outputTokens", percent(current.outputTokens(), previous.outputTokens()));
        change.put("credits", percent(current.credits(), previous.credits()));
        return new Summary(accountId, at(period, period.from()), at(period, period.to()), current, previous, change,
                shares(accountId, DIMENSIONS.get("model"), period, 5, app));
    }

    private UsageMetrics metrics(String accountId, Period period, String app) {
        return queries.metrics(accountId, period, app == null ? null : storedApp(app));
    }

    private List<Share> shares(String accountId, String dimension, Period period, int limit, String app) {
        if (limit < 1 || limit > 500) {
            throw Period.badRequest("limit must be between 1 and 500");
        }
        return queries.shares(accountId, dimension, period, limit, app == null ? null : storedApp(app));
    }

    /** How an app filter is stored in usage_hourly: '' for no app. */
    private static String storedApp(String app) {
        return app.equals(NO_APP) ? "" : app;
    }

    private static String dimension(String name) {
        String column = DIMENSIONS.get(name);
        if (column == null) {
            throw Period.badRequest("group by one of model, provider, key, app");
        }
        return column;
    }

    private static OffsetDateTime at(Period period, Instant instant) {
        return instant.atZone(period.zone()).toOffsetDateTime();
    }

    private static BigDecimal percent(long current, long previous) {
        return percent(BigDecimal.valueOf(current), BigDecimal.valueOf(previous));
    }

    private static BigDecimal percent(BigDecimal current, BigDecimal previous) {
        if (previous.signum() == 0) {
            return null;
        }
        return current.subtract(previous).multiply(BigDecimal.valueOf(100)).divide(previous, 1, RoundingMode.HALF_UP);
    }
}
