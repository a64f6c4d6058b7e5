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
import io.tollgate.views.projection.support.RequestFacts;
import io.tollgate.views.projection.support.Storable;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Usage analytics as a fold: hourly UTC buckets per account, API key, app, provider and model. Every number of a
 * request counts in the bucket of the hour it was accepted in, under the key, app, provider and model it was
 * accepted for, whichever event brings it (the {@link BatchContext} knows that of requests accepted in earlier
 * batches); so a bucket's successes never outnumber its requests. The batch's deltas are summed per bucket;
 * {@link UsageBucketsWriter} adds them to the stored rows with one upsert.
 */
final class UsageProjection {
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
    private final int maxHeld;
    static final int MAX_HELD = 200_000;

    private UsageProjection(boolean bulk, int maxHeld) {
        held = bulk ? new HashMap<>() : null;
        watermarks = bulk ? new HashMap<>() : null;
        latest = bulk ? new HashMap<>() : null;
        this.maxHeld = maxHeld;
    }

    static UsageProjection live() {
        return new UsageProjection(false, MAX_HELD);
    }

    static UsageProjection bulk() {
        return new UsageProjection(true, MAX_HELD);
    }

    /** A rebuild that writes everything it holds once it holds more than {@code maxHeld} buckets. */
    static UsageProjection bulk(int maxHeld) {
        return new UsageProjection(true, maxHeld);
    }

    /** A new batch starts; whatever an earlier, rolled back batch left is dropped. */
    void begin() {
        deltas.clear();
        pendingFlushed = null;
    }

    /** Rows to copy in as new (a rebuild's buckets whose hour is done) and deltas to add to stored rows. */
    record Result(Map<BucketKey, Delta> toCopy, Map<BucketKey, Delta> toMerge) {
    }

    /** The table's primary key; absent names are empty strings. */
    record BucketKey(String accountId, Instant hour, String apiKeyId, String appId, String provider,
                             String model) {
    }

    /** A bucket's counts, or what a batch adds to them. */
    static final class Delta {
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

    void apply(TollgateEvent event, BatchContext context) {
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
        Storable.check("apiKeyId", apiKeyId, MAX_BUCKET_KEY_CHARS);
        Storable.check("appId", appId, MAX_BUCKET_KEY_CHARS);
        Storable.check("provider", provider, MAX_BUCKET_KEY_CHARS);
        Storable.check("model", model, MAX_BUCKET_KEY_CHARS);
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

    /** The buckets to copy in as new rows and the deltas to add to stored (or new) rows. */
    Result fold() {
        if (held == null) {
            return new Result(Map.of(), deltas);
        }
        Map<String, Instant> newLatest = new HashMap<>();
        for (BucketKey key : deltas.keySet()) {
            newLatest.merge(key.accountId(), key.hour(), (x, y) -> x.isAfter(y) ? x : y);
        }
        boolean flushAll = heldCount + deltas.size() > maxHeld;
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
        Map<BucketKey, Delta> toCopy = new LinkedHashMap<>();
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
        pendingWatermarks = newWatermarks;
        pendingLatest = newLatest;
        pendingFlushed = flushed;
        return new Result(toCopy, toMerge);
    }

    /** The batch's transaction committed: a rebuild now holds the batch's buckets it did not write. */
    void committed() {
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

    /** Bulk: every bucket held, after the last batch, to be written once. */
    Map<BucketKey, Delta> held() {
        Map<BucketKey, Delta> all = new HashMap<>();
        held.values().forEach(all::putAll);
        return all;
    }
}
