package io.tollgate.views.usage;

import io.tollgate.events.CreditsDebited;
import io.tollgate.events.CreditsRefunded;
import io.tollgate.events.ProviderCalled;
import io.tollgate.events.ReleaseReason;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.RequestRejected;
import io.tollgate.events.ReservationReleased;
import io.tollgate.events.TokensConsumed;
import io.tollgate.events.TollgateEvent;
import io.tollgate.views.projection.support.BatchContext;
import io.tollgate.views.projection.support.BinaryCopyRows;
import io.tollgate.views.projection.support.RequestFacts;
import io.tollgate.views.projection.support.Sql;
import io.tollgate.views.projection.support.ViewWriter;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Usage analytics: hourly UTC buckets per account, API key, app, provider and model. Every number of a request
 * counts in the bucket of the hour it was accepted in, under the key, app, provider and model it was accepted
 * for, whichever event brings it; so a bucket's successes never outnumber its requests. The batch's deltas
 * are summed in memory per bucket and added with one upsert.
 */
public final class UsageBucketsWriter implements ViewWriter {
    private final Map<BucketKey, Delta> deltas = new HashMap<>();
    /**
     * Bulk (a rebuild): per account, the buckets of its recent hours, held across batches as of the last
     * committed batch and copied in once their hour is more than an hour behind the account's newest event
     * (an account's events are in log order on one partition; partitions of a lane are not in step with each
     * other, so this is per account). A late event of an hour already written (a refund, or an hour flushed
     * early because too much was held) is merged into the stored row instead. Null live.
     */
    private final Map<String, Map<BucketKey, Delta>> held;
    /** Per account: every bucket of an hour before this was written; those merge. */
    private final Map<String, Instant> watermarks;
    private final Map<String, Instant> latest;
    private int heldCount;
    private Map<String, Instant> pendingWatermarks, pendingLatest;
    private List<BucketKey> pendingFlushed;
    private static final int MAX_HELD = 200_000;

    public UsageBucketsWriter() {
        this(false);
    }

    private UsageBucketsWriter(boolean bulk) {
        held = bulk ? new HashMap<>() : null;
        watermarks = bulk ? new HashMap<>() : null;
        latest = bulk ? new HashMap<>() : null;
    }

    public static UsageBucketsWriter bulk() {
        return new UsageBucketsWriter(true);
    }

    @Override
    public void begin() {
        deltas.clear();
        pendingFlushed = null;
    }

    private record BucketKey(String accountId, Instant hour, String apiKeyId, String appId, String provider,
                             String model) {
    }

    private static final class Delta {
        long requests, succeeded, failed, rejected, inputTokens, outputTokens, cachedTokens, credits, refunded,
                latencyCount, latencySum, ttfbCount, ttfbSum;
        final LatencyHistogram latency = new LatencyHistogram();
        final LatencyHistogram ttfb = new LatencyHistogram();

        void add(Delta d) {
            requests += d.requests;
            succeeded += d.succeeded;
            failed += d.failed;
            rejected += d.rejected;
            inputTokens += d.inputTokens;
            outputTokens += d.outputTokens;
            cachedTokens += d.cachedTokens;
            credits += d.credits;
            refunded += d.refunded;
            latencyCount += d.latencyCount;
            latencySum += d.latencySum;
            ttfbCount += d.ttfbCount;
            ttfbSum += d.ttfbSum;
            latency.add(d.latency);
            ttfb.add(d.ttfb);
        }

        static Delta sum(Delta a, Delta b) {
            Delta s = new Delta();
            if (a != null) {
                s.add(a);
            }
            if (b != null) {
                s.add(b);
            }
            return s;
        }
    }

    @Override
    public void apply(TollgateEvent event, BatchContext context) {
        switch (event) {
            case RequestAccepted e -> delta(e.accountId(), e.requestId(), e.occurredAt(), null, null, context).requests++;
            case RequestRejected e -> {
                // Never accepted: it counts where and when it was refused; the key is not on the event.
                Delta d = bucket(e.accountId(), e.occurredAt(), null, e.appId(), null, e.model());
                d.requests++;
                d.rejected++;
            }
            case ProviderCalled e -> {
                Delta d = delta(e.accountId(), e.requestId(), e.occurredAt(), e.provider(), e.model(), context);
                d.latencyCount++;
                d.latencySum += e.latencyMillis();
                d.latency.record(e.latencyMillis());
                if (e.ttfbMillis() != null) {
                    d.ttfbCount++;
                    d.ttfbSum += e.ttfbMillis();
                    d.ttfb.record(e.ttfbMillis());
                }
            }
            case TokensConsumed e -> {
                Delta d = delta(e.accountId(), e.requestId(), e.occurredAt(), e.provider(), e.model(), context);
                d.inputTokens += e.inputTokens();
                d.outputTokens += e.outputTokens();
                d.cachedTokens += e.cachedInputTokens();
            }
            case CreditsDebited e -> {
                Delta d = delta(e.accountId(), e.requestId(), e.occurredAt(), e.provider(), e.model(), context);
                d.succeeded++;
                d.credits += e.amountMicros();
            }
            case ReservationReleased e -> {
                if (e.reason() != ReleaseReason.SETTLED) {
                    delta(e.accountId(), e.requestId(), e.occurredAt(), null, null, context).failed++;
                }
            }
            case CreditsRefunded e -> delta(e.accountId(), e.requestId(), e.occurredAt(), null, null, context).refunded
                    += e.amountMicros();
            default -> {
            }
        }
    }

    /** The bucket of the request's acceptance; the event's own time and names when it was never accepted. */
    private Delta delta(String accountId, String requestId, Instant at, String provider, String model,
                        BatchContext context) {
        RequestFacts request = context.request(requestId);
        if (request == null) {
            return bucket(accountId, at, null, null, provider, model);
        }
        return bucket(accountId, request.acceptedAt(), request.apiKeyId(), request.appId(), request.provider(),
                request.model());
    }

    /** The bucket key is the table's primary key: PostgreSQL refuses an index row over 2,704 bytes. */
    private static final int MAX_BUCKET_KEY_CHARS = 1_000;

    private Delta bucket(String accountId, Instant at, String apiKeyId, String appId, String provider, String model) {
        Sql.storable("apiKeyId", apiKeyId, MAX_BUCKET_KEY_CHARS);
        Sql.storable("appId", appId, MAX_BUCKET_KEY_CHARS);
        Sql.storable("provider", provider, MAX_BUCKET_KEY_CHARS);
        Sql.storable("model", model, MAX_BUCKET_KEY_CHARS);
        if (accountId.length() + orEmpty(apiKeyId).length() + orEmpty(appId).length() + orEmpty(provider).length()
                + orEmpty(model).length() > MAX_BUCKET_KEY_CHARS) {
            throw new IllegalArgumentException("a usage bucket's account, key, app, provider and model add up to more than "
                    + MAX_BUCKET_KEY_CHARS + " characters");
        }
        var key = new BucketKey(accountId, at.truncatedTo(ChronoUnit.HOURS), orEmpty(apiKeyId), orEmpty(appId),
                orEmpty(provider), orEmpty(model));
        return deltas.computeIfAbsent(key, k -> new Delta());
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }

    @Override
    public void write(Connection connection, String schema) throws SQLException {
        if (held == null) {
            merge(connection, schema, deltas);
            return;
        }
        Map<String, Instant> newLatest = new HashMap<>();
        for (BucketKey key : deltas.keySet()) {
            newLatest.merge(key.accountId(), key.hour(), (x, y) -> x.isAfter(y) ? x : y);
        }
        boolean flushAll = heldCount + deltas.size() > MAX_HELD;
        Map<String, Instant> newWatermarks = new HashMap<>();
        for (var entry : newLatest.entrySet()) {
            Instant was = latest.get(entry.getKey());
            if (was != null && was.isAfter(entry.getValue())) {
                entry.setValue(was);
            }
            Instant old = watermarks.getOrDefault(entry.getKey(), Instant.MIN);
            Instant candidate = entry.getValue().minus(1, ChronoUnit.HOURS);
            newWatermarks.put(entry.getKey(), candidate.isAfter(old) ? candidate : old);
        }
        if (flushAll) {
            // Too much held: write every account's buckets now; any later event of those hours merges.
            for (var account : held.entrySet()) {
                Instant newest = newLatest.getOrDefault(account.getKey(), latest.get(account.getKey()));
                newWatermarks.put(account.getKey(), newest.plus(1, ChronoUnit.HOURS));
            }
            for (var entry : newLatest.entrySet()) {
                newWatermarks.put(entry.getKey(), entry.getValue().plus(1, ChronoUnit.HOURS));
            }
        }
        Map<BucketKey, Delta> toMerge = new HashMap<>();
        Map<BucketKey, Delta> toCopy = new java.util.LinkedHashMap<>();
        for (var entry : deltas.entrySet()) {
            BucketKey key = entry.getKey();
            Instant old = watermarks.getOrDefault(key.accountId(), Instant.MIN);
            if (key.hour().isBefore(old)) {
                toMerge.put(key, entry.getValue());
            } else if (key.hour().isBefore(newWatermarks.get(key.accountId()))) {
                Map<BucketKey, Delta> ofAccount = held.get(key.accountId());
                toCopy.put(key, Delta.sum(ofAccount == null ? null : ofAccount.get(key), entry.getValue()));
            }
        }
        List<BucketKey> flushed = new ArrayList<>();
        for (var watermark : newWatermarks.entrySet()) {
            Map<BucketKey, Delta> ofAccount = held.get(watermark.getKey());
            if (ofAccount == null) {
                continue;
            }
            for (var entry : ofAccount.entrySet()) {
                if (entry.getKey().hour().isBefore(watermark.getValue())) {
                    flushed.add(entry.getKey());
                    toCopy.putIfAbsent(entry.getKey(), entry.getValue());
                }
            }
        }
        copy(connection, schema, toCopy);
        if (!toMerge.isEmpty()) {
            merge(connection, schema, toMerge);
        }
        pendingWatermarks = newWatermarks;
        pendingLatest = newLatest;
        pendingFlushed = flushed;
    }

    @Override
    public void committed() {
        if (held == null || pendingFlushed == null) {
            return;
        }
        for (BucketKey key : pendingFlushed) {
            Map<BucketKey, Delta> ofAccount = held.get(key.accountId());
            if (ofAccount != null && ofAccount.remove(key) != null) {
                heldCount--;
                if (ofAccount.isEmpty()) {
                    held.remove(key.accountId());
                }
            }
        }
        for (var entry : deltas.entrySet()) {
            BucketKey key = entry.getKey();
            if (!key.hour().isBefore(pendingWatermarks.get(key.accountId()))) {
                Map<BucketKey, Delta> ofAccount = held.computeIfAbsent(key.accountId(), a -> new HashMap<>());
                Delta delta = ofAccount.get(key);
                if (delta == null) {
                    ofAccount.put(key, delta = new Delta());
                    heldCount++;
                }
                delta.add(entry.getValue());
            }
        }
        watermarks.putAll(pendingWatermarks);
        latest.putAll(pendingLatest);
        pendingFlushed = null;
        deltas.clear();
    }

    @Override
    public void finish(Connection connection, String schema) throws SQLException {
        Map<BucketKey, Delta> all = new HashMap<>();
        held.values().forEach(all::putAll);
        copy(connection, schema, all);
    }

    /** New rows, exactly as the merge inserts a bucket without a row. */
    private static void copy(Connection connection, String schema, Map<BucketKey, Delta> rows) throws SQLException {
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
