package io.tollgate.views.usage;

import io.tollgate.events.TollgateEvent;
import io.tollgate.views.projection.support.BatchContext;
import io.tollgate.views.projection.support.BinaryCopyRows;
import io.tollgate.views.projection.support.Sql;
import io.tollgate.views.projection.support.ViewWriter;
import io.tollgate.views.usage.UsageProjection.BucketKey;
import io.tollgate.views.usage.UsageProjection.Delta;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The SQL of usage analytics ({@link UsageProjection} folds): a batch's deltas are added to the hourly rows
 * with one upsert; a rebuild copies the buckets of finished hours in (binary COPY) and merges only late ones.
 */
public final class UsageBucketsWriter implements ViewWriter {
    private final UsageProjection projection;

    public UsageBucketsWriter() {
        this(UsageProjection.live());
    }

    private UsageBucketsWriter(UsageProjection projection) {
        this.projection = projection;
    }

    public static UsageBucketsWriter bulk() {
        return new UsageBucketsWriter(UsageProjection.bulk());
    }

    @Override
    public void begin() {
        projection.begin();
    }

    @Override
    public void apply(TollgateEvent event, BatchContext context) {
        projection.apply(event, context);
    }

    @Override
    public void write(Connection connection, String schema) throws SQLException {
        UsageProjection.Result result = projection.fold();
        copy(connection, schema, result.toCopy());
        merge(connection, schema, result.toMerge());
    }

    @Override
    public void committed() {
        projection.committed();
    }

    @Override
    public void finish(Connection connection, String schema) throws SQLException {
        copy(connection, schema, projection.held());
    }

    /** New rows, exactly as the merge inserts a bucket without a row. */
    private static void copy(Connection connection, String schema, Map<BucketKey, Delta> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        BinaryCopyRows copy = new BinaryCopyRows(schema, "usage_hourly", "account_id, hour, api_key_id, app_id, provider, model,"
                + " requests, succeeded, failed, rejected, input_tokens, output_tokens, cached_tokens, credits_micros,"
                + " refunded_micros, latency_count, latency_sum_millis, latency_hist, ttfb_count, ttfb_sum_millis,"
                + " ttfb_hist");
        for (var entry : rows.entrySet()) {
            BucketKey k = entry.getKey();
            Delta d = entry.getValue();
            copy.row().text(k.accountId()).time(k.hour()).text(k.apiKeyId()).text(k.appId()).text(k.provider())
                    .text(k.model())
                    .int8(d.requests).int8(d.succeeded).int8(d.failed).int8(d.rejected).int8(d.inputTokens)
                    .int8(d.outputTokens).int8(d.cachedTokens).int8(d.credits).int8(d.refunded)
                    .int8(d.latencyCount).int8(d.latencySum).int4Array(d.latency.counts())
                    .int8(d.ttfbCount).int8(d.ttfbSum).int4Array(d.ttfb.counts());
            if (copy.rows() >= 20_000) {
                copy.copy(connection);
            }
        }
        copy.copy(connection);
    }

    private static void merge(Connection connection, String schema, Map<BucketKey, Delta> deltas) throws SQLException {
        if (deltas.isEmpty()) {
            return;
        }
        int n = deltas.size();
        List<String> accounts = new ArrayList<>(n), keys = new ArrayList<>(n), apps = new ArrayList<>(n),
                providers = new ArrayList<>(n),
                models = new ArrayList<>(n), latencyHists = new ArrayList<>(n), ttfbHists = new ArrayList<>(n);
        List<Long> hours = new ArrayList<>(n), requests = new ArrayList<>(n), succeeded = new ArrayList<>(n),
                failed = new ArrayList<>(n), rejected = new ArrayList<>(n), input = new ArrayList<>(n),
                output = new ArrayList<>(n), cached = new ArrayList<>(n), credits = new ArrayList<>(n),
                refunded = new ArrayList<>(n), latencyCount = new ArrayList<>(n), latencySum = new ArrayList<>(n),
                ttfbCount = new ArrayList<>(n), ttfbSum = new ArrayList<>(n);
        for (var entry : deltas.entrySet()) {
            BucketKey k = entry.getKey();
            Delta d = entry.getValue();
            accounts.add(k.accountId());
            hours.add(Sql.micros(k.hour()));
            keys.add(k.apiKeyId());
            apps.add(k.appId());
            providers.add(k.provider());
            models.add(k.model());
            requests.add(d.requests);
            succeeded.add(d.succeeded);
            failed.add(d.failed);
            rejected.add(d.rejected);
            input.add(d.inputTokens);
            output.add(d.outputTokens);
            cached.add(d.cachedTokens);
            credits.add(d.credits);
            refunded.add(d.refunded);
            latencyCount.add(d.latencyCount);
            latencySum.add(d.latencySum);
            latencyHists.add(d.latency.toSqlLiteral());
            ttfbCount.add(d.ttfbCount);
            ttfbSum.add(d.ttfbSum);
            ttfbHists.add(d.ttfb.toSqlLiteral());
        }
        try (PreparedStatement upsert = connection.prepareStatement("""
                insert into %1$s.usage_hourly as u (account_id, hour, api_key_id, app_id, provider, model, requests,
                    succeeded, failed, rejected, input_tokens, output_tokens, cached_tokens, credits_micros, refunded_micros,
                    latency_count, latency_sum_millis, latency_hist, ttfb_count, ttfb_sum_millis, ttfb_hist)
                select acc, %2$s, k, ap, pr, mo, rq, su, fa, rj, inp, outp, ca, cr, rf, lc, ls, lh::int[], tc, ts, th::int[]
                from unnest(?::text[], ?::int8[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int8[], ?::int8[],
                            ?::int8[], ?::int8[], ?::int8[], ?::int8[], ?::int8[], ?::int8[], ?::int8[], ?::int8[],
                            ?::int8[], ?::text[], ?::int8[], ?::int8[], ?::text[])
                     as t(acc, h, k, ap, pr, mo, rq, su, fa, rj, inp, outp, ca, cr, rf, lc, ls, lh, tc, ts, th)
                on conflict (account_id, hour, api_key_id, app_id, provider, model) do update set
                    requests = u.requests + excluded.requests,
                    succeeded = u.succeeded + excluded.succeeded,
                    failed = u.failed + excluded.failed,
                    rejected = u.rejected + excluded.rejected,
                    input_tokens = u.input_tokens + excluded.input_tokens,
                    output_tokens = u.output_tokens + excluded.output_tokens,
                    cached_tokens = u.cached_tokens + excluded.cached_tokens,
                    credits_micros = u.credits_micros + excluded.credits_micros,
                    refunded_micros = u.refunded_micros + excluded.refunded_micros,
                    latency_count = u.latency_count + excluded.latency_count,
                    latency_sum_millis = u.latency_sum_millis + excluded.latency_sum_millis,
                    latency_hist = case when excluded.latency_count = 0 then u.latency_hist
                                        else %1$s.add_counts(u.latency_hist, excluded.latency_hist) end,
                    ttfb_count = u.ttfb_count + excluded.ttfb_count,
                    ttfb_sum_millis = u.ttfb_sum_millis + excluded.ttfb_sum_millis,
                    ttfb_hist = case when excluded.ttfb_count = 0 then u.ttfb_hist
                                     else %1$s.add_counts(u.ttfb_hist, excluded.ttfb_hist) end"""
                .formatted(schema, Sql.timestamp("h")))) {
            int i = 1;
            upsert.setArray(i++, Sql.texts(connection, accounts));
            upsert.setArray(i++, Sql.longs(connection, hours));
            upsert.setArray(i++, Sql.texts(connection, keys));
            upsert.setArray(i++, Sql.texts(connection, apps));
            upsert.setArray(i++, Sql.texts(connection, providers));
            upsert.setArray(i++, Sql.texts(connection, models));
            upsert.setArray(i++, Sql.longs(connection, requests));
            upsert.setArray(i++, Sql.longs(connection, succeeded));
            upsert.setArray(i++, Sql.longs(connection, failed));
            upsert.setArray(i++, Sql.longs(connection, rejected));
            upsert.setArray(i++, Sql.longs(connection, input));
            upsert.setArray(i++, Sql.longs(connection, output));
            upsert.setArray(i++, Sql.longs(connection, cached));
            upsert.setArray(i++, Sql.longs(connection, credits));
            upsert.setArray(i++, Sql.longs(connection, refunded));
            upsert.setArray(i++, Sql.longs(connection, latencyCount));
            upsert.setArray(i++, Sql.longs(connection, latencySum));
            upsert.setArray(i++, Sql.texts(connection, latencyHists));
            upsert.setArray(i++, Sql.longs(connection, ttfbCount));
            upsert.setArray(i++, Sql.longs(connection, ttfbSum));
            upsert.setArray(i, Sql.texts(connection, ttfbHists));
            upsert.executeUpdate();
        }
    }
}
