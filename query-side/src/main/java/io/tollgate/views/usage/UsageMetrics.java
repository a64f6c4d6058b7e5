package io.tollgate.views.usage;

import io.tollgate.events.support.Credits;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The numbers of any set of usage buckets. Latency is per provider call (each attempt counts), TTFB per
 * call that received a first byte; p50 and p95 come from the summed histograms (see LatencyHistogram).
 *
 * @param credits  what was debited; refunded is shown apart, so credits − refunded is the net spend
 */
public record UsageMetrics(long requests, long succeeded, long failed, long rejected, long inputTokens,
                           long outputTokens, long cachedTokens, BigDecimal credits, BigDecimal refunded,
                           Latency latencyMillis, Latency ttfbMillis) {

    /** @param avg null when nothing was measured */
    public record Latency(long count, Long avg, Long p50, Long p95) {
    }

    /** The SQL select list that {@link #read(ResultSet, int)} reads, over rows of views.usage_hourly. */
    public static final String SUMS = """
            coalesce(sum(requests), 0), coalesce(sum(succeeded), 0), coalesce(sum(failed), 0),
            coalesce(sum(rejected), 0), coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0),
            coalesce(sum(cached_tokens), 0), coalesce(sum(credits_micros), 0), coalesce(sum(refunded_micros), 0),
            coalesce(sum(latency_count), 0), coalesce(sum(latency_sum_millis), 0), views.sum_counts(latency_hist),
            coalesce(sum(ttfb_count), 0), coalesce(sum(ttfb_sum_millis), 0), views.sum_counts(ttfb_hist)""";
    public static final int COLUMNS = 15;

    public static UsageMetrics read(ResultSet rs, int first) throws SQLException {
        int i = first;
        return new UsageMetrics(rs.getLong(i), rs.getLong(i + 1), rs.getLong(i + 2), rs.getLong(i + 3),
                rs.getLong(i + 4), rs.getLong(i + 5), rs.getLong(i + 6), Credits.toCredits(rs.getLong(i + 7)),
                Credits.toCredits(rs.getLong(i + 8)),
                latency(rs.getLong(i + 9), rs.getLong(i + 10), rs.getArray(i + 11)),
                latency(rs.getLong(i + 12), rs.getLong(i + 13), rs.getArray(i + 14)));
    }

    private static Latency latency(long count, long sum, Array histogram) throws SQLException {
        if (count == 0) {
            return new Latency(0, null, null, null);
        }
        var counts = new LatencyHistogram();
        if (histogram != null) {
            counts.add((Integer[]) histogram.getArray());
        }
        return new Latency(count, Math.round((double) sum / count), counts.percentile(0.50), counts.percentile(0.95));
    }
}
