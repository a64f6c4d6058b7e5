package io.tollgate.views.usage;

import java.util.Arrays;

/**
 * Fixed logarithmic buckets for latencies in milliseconds, so that percentiles of any set of usage rows
 * can be computed by adding their counts: bucket 0 holds 0 ms, bucket i ≥ 1 holds [2^((i-1)/4), 2^(i/4)) ms
 * (about 19 % wide), and the last bucket everything from about 18 minutes on. A percentile is read by
 * interpolating inside its bucket, so it is off by at most one bucket's width, usually much less.
 */
public final class LatencyHistogram {
    public static final int BUCKETS = 82;
    private static final double STEPS_PER_DOUBLING = 4.0;

    private final int[] counts;

    public LatencyHistogram() {
        this(new int[BUCKETS]);
    }

    private LatencyHistogram(int[] counts) {
        this.counts = counts;
    }

    public static int bucketOf(long millis) {
        if (millis <= 0) {
            return 0;
        }
        int bucket = (int) Math.floor(Math.log(millis) / Math.log(2) * STEPS_PER_DOUBLING) + 1;
        return Math.min(bucket, BUCKETS - 1);
    }

    static double lowerBound(int bucket) {
        return bucket == 0 ? 0 : Math.pow(2, (bucket - 1) / STEPS_PER_DOUBLING);
    }

    static double upperBound(int bucket) {
        return bucket == 0 ? 0 : Math.pow(2, bucket / STEPS_PER_DOUBLING);
    }

    public void record(long millis) {
        counts[bucketOf(millis)]++;
    }

    public void add(Integer[] other) {
        if (other == null) {
            return;
        }
        for (int i = 0; i < Math.min(other.length, BUCKETS); i++) {
            counts[i] += other[i] == null ? 0 : other[i];
        }
    }

    public void add(LatencyHistogram other) {
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] += other.counts[i];
        }
    }

    /** The counts themselves (not a copy): for writing them out. */
    public int[] counts() {
        return counts;
    }

    public long count() {
        long total = 0;
        for (int c : counts) {
            total += c;
        }
        return total;
    }

    /** @param quantile between 0 and 1; null when nothing was recorded */
    public Long percentile(double quantile) {
        long total = count();
        if (total == 0) {
            return null;
        }
        double rank = quantile * total;
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            if (counts[i] == 0) {
                continue;
            }
            if (seen + counts[i] >= rank) {
                double within = (rank - seen) / counts[i];
                double low = lowerBound(i);
                double high = upperBound(i);
                return Math.round(low + (high - low) * within);
            }
            seen += counts[i];
        }
        return Math.round(lowerBound(BUCKETS - 1));
    }

    /** The PostgreSQL array literal, e.g. {0,1,0,…}. */
    public String toSqlLiteral() {
        StringBuilder literal = new StringBuilder(BUCKETS * 2 + 2).append('{');
        for (int i = 0; i < BUCKETS; i++) {
            if (i > 0) {
                literal.append(',');
            }
            literal.append(counts[i]);
        }
        return literal.append('}').toString();
    }

    @Override
    public String toString() {
        return Arrays.toString(counts);
    }
}
