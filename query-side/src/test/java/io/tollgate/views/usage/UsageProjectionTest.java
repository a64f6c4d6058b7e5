package io.tollgate.views.usage;

import io.tollgate.events.CreditsDebited;
import io.tollgate.events.ReleaseReason;
import io.tollgate.events.TollgateEvent;
import io.tollgate.events.support.EventIds;
import io.tollgate.views.projection.support.BatchContext;
import io.tollgate.views.projection.support.RequestFacts;
import io.tollgate.views.testing.AccountEvents;
import io.tollgate.views.usage.UsageProjection.BucketKey;
import io.tollgate.views.usage.UsageProjection.Delta;
import io.tollgate.views.usage.UsageProjection.Result;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Usage analytics as a fold, without a broker or a database: given a batch's events (and what is stored of
 * the requests it continues), the deltas per hourly bucket; in a rebuild, which hours are held and which are
 * written. Adding deltas to stored rows is the upsert's, held by UsageAnalyticsTest and AppUsageTest.
 */
class UsageProjectionTest {
    private static final Instant H10 = Instant.parse("2026-03-01T10:00:00Z");
    private static final Instant H11 = H10.plusSeconds(3600);
    private static final Instant H12 = H11.plusSeconds(3600);

    private final AccountEvents acme = new AccountEvents("acct-acme").at(H10.plusSeconds(600));

    private static Result fold(UsageProjection projection, List<TollgateEvent> events, Map<String, RequestFacts> stored) {
        BatchContext context = BatchContext.of(events);
        stored.forEach(context::withStored);
        projection.begin();
        for (TollgateEvent event : events) {
            projection.apply(event, context);
        }
        return projection.fold();
    }

    private static Result fold(UsageProjection projection, List<TollgateEvent> events) {
        return fold(projection, events, Map.of());
    }

    private static BucketKey key(Instant hour, String apiKeyId, String appId, String model) {
        return new BucketKey("acct-acme", hour, apiKeyId, appId, AccountEvents.PROVIDER, model);
    }

    @Test
    void everyNumberOfARequestCountsInTheHourAndUnderTheKeyAndModelItWasAcceptedFor() {
        List<TollgateEvent> events = new ArrayList<>();
        events.addAll(acme.succeededRequest("req-1", "key-a", "model-x", 800, 200, 40, 10, 120_000));
        events.addAll(acme.failedRequest("req-2", 50_000));
        acme.at(H11.minusMillis(2));
        // Accepted in the 10:00 hour, answered in the 11:00 hour: it still counts at 10:00.
        events.add(acme.accepted("req-3", false, "key-a", "model-x"));
        acme.at(H11.plusSeconds(1));
        events.add(acme.tokens("req-3", 7, 3));
        events.add(new CreditsDebited(EventIds.next(), H11.plusSeconds(2), "acct-acme", "req-3", 9_000, "other",
                "model-y"));
        events.add(acme.refunded("req-1", 20_000));

        Map<BucketKey, Delta> deltas = fold(UsageProjection.live(), events).toMerge();

        assertThat(deltas).containsOnlyKeys(key(H10, "key-a", "", "model-x"), key(H10, "key-1", "", AccountEvents.MODEL));
        Delta x = deltas.get(key(H10, "key-a", "", "model-x"));
        assertThat(x.requests).isEqualTo(2);
        assertThat(x.succeeded).isEqualTo(2);
        assertThat(x.failed).isZero();
        assertThat(x.inputTokens).isEqualTo(47);
        assertThat(x.outputTokens).isEqualTo(13);
        assertThat(x.credits).isEqualTo(129_000);
        assertThat(x.refunded).isEqualTo(20_000);
        Delta failed = deltas.get(key(H10, "key-1", "", AccountEvents.MODEL));
        assertThat(failed.requests).isEqualTo(1);
        assertThat(failed.failed).isEqualTo(1);
        assertThat(failed.succeeded).isZero();
        assertThat(failed.credits).isZero();
    }

    @Test
    void latenciesAndTimesToFirstByteGoIntoTheirHistogramsAndOnlyCallsWithAFirstByteCountForTtfb() {
        List<TollgateEvent> events = List.of(acme.accepted("req-1", true),
                acme.providerCalled("req-1", 1, 503, 300, null, "upstream_5xx"),
                acme.providerCalled("req-1", 2, 200, 1_000, 250L, null),
                acme.accepted("req-2", true),
                acme.providerCalled("req-2", 1, 200, 1_000, 0L, null));

        Delta d = fold(UsageProjection.live(), events).toMerge().get(key(H10, "key-1", "", AccountEvents.MODEL));

        assertThat(d.requests).isEqualTo(2);
        assertThat(d.latencyCount).isEqualTo(3);
        assertThat(d.latencySum).isEqualTo(2_300);
        assertThat(d.latency.counts()[LatencyHistogram.bucketOf(300)]).isEqualTo(1);
        assertThat(d.latency.counts()[LatencyHistogram.bucketOf(1_000)]).isEqualTo(2);
        assertThat(d.latency.count()).isEqualTo(3);
        assertThat(d.ttfbCount).isEqualTo(2);
        assertThat(d.ttfbSum).isEqualTo(250);
        assertThat(d.ttfb.counts()[0]).isEqualTo(1);
        assertThat(d.ttfb.counts()[LatencyHistogram.bucketOf(250)]).isEqualTo(1);
    }

    @Test
    void aRequestAcceptedInAnEarlierBatchCountsWhereItsStoredAcceptanceSaysAndAnUnknownOneWhereItsEventIs() {
        acme.at(H12.plusSeconds(5));
        List<TollgateEvent> events = List.of(acme.tokens("req-old", 100, 50), acme.debited("req-old", 3_000),
                acme.released("req-lost", 10_000, ReleaseReason.EXPIRED));
        BatchContext context = BatchContext.of(events);
        assertThat(context.unknownRequests()).containsExactly("req-old", "req-lost");

        Map<BucketKey, Delta> deltas = fold(UsageProjection.live(), events,
                Map.of("req-old", new RequestFacts("key-a", "mock", "model-x", H10.plusSeconds(59), "app-1"))).toMerge();

        Delta old = deltas.get(key(H10, "key-a", "app-1", "model-x"));
        assertThat(old.requests).isZero();
        assertThat(old.succeeded).isEqualTo(1);
        assertThat(old.inputTokens).isEqualTo(100);
        assertThat(old.credits).isEqualTo(3_000);
        Delta lost = deltas.get(new BucketKey("acct-acme", H12, "", "", "", ""));
        assertThat(lost.failed).isEqualTo(1);
        assertThat(deltas).hasSize(2);
    }

    @Test
    void aRefusalCountsWhereAndWhenItWasRefusedUnderItsAppAndModelWithoutAKey() {
        Map<BucketKey, Delta> deltas = fold(UsageProjection.live(),
                List.of(acme.rejectedForApp("app-7", "req-1", "insufficient_credit"),
                        acme.rejected("req-2", "insufficient_credit"))).toMerge();

        assertThat(deltas).containsOnlyKeys(new BucketKey("acct-acme", H10, "", "app-7", "", AccountEvents.MODEL),
                new BucketKey("acct-acme", H10, "", "", "", AccountEvents.MODEL));
        assertThat(deltas.values()).allSatisfy(d -> {
            assertThat(d.requests).isEqualTo(1);
            assertThat(d.rejected).isEqualTo(1);
        });
    }

    @Test
    void appsHaveBucketsOfTheirOwn() {
        List<TollgateEvent> events = new ArrayList<>(acme.succeededForApp("app-1", "lease-1", "req-1", 40, 10, 120, 30_000));
        events.addAll(acme.succeededForApp(null, "lease-1", "req-2", 5, 5, 80, 1_000));

        Map<BucketKey, Delta> deltas = fold(UsageProjection.live(), events).toMerge();

        assertThat(deltas.get(key(H10, "key-1", "app-1", AccountEvents.MODEL)).credits).isEqualTo(30_000);
        assertThat(deltas.get(key(H10, "key-1", "", AccountEvents.MODEL)).credits).isEqualTo(1_000);
    }

    @Test
    void aBucketKeyPostgreSQLCouldNotIndexIsRefused() {
        UsageProjection projection = UsageProjection.live();
        projection.begin();
        var accepted = acme.accepted("req-1", false, "k".repeat(600), "m".repeat(600));
        assertThatThrownBy(() -> projection.apply(accepted, BatchContext.of(List.of(accepted))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1000 characters");
    }

    @Test
    void aRebuildHoldsAnAccountsRecentHoursAcrossBatchesWritesEachOnceAndMergesLateEventsOfWrittenHours() {
        UsageProjection rebuild = UsageProjection.bulk();
        BucketKey ten = key(H10, "key-1", "", AccountEvents.MODEL);
        BucketKey eleven = key(H11, "key-1", "", AccountEvents.MODEL);

        Result first = fold(rebuild, acme.succeededRequest("req-1", 500, 100, 1, 1, 100));
        assertThat(first.toCopy()).isEmpty();
        assertThat(first.toMerge()).isEmpty();
        rebuild.committed();

        acme.at(H11.plusSeconds(1));
        Result second = fold(rebuild, acme.succeededRequest("req-2", 500, 100, 1, 1, 200));
        assertThat(second.toCopy()).as("10:00 is not yet more than an hour behind 11:00").isEmpty();
        rebuild.committed();

        acme.at(H12.plusSeconds(1));
        List<TollgateEvent> third = acme.succeededRequest("req-3", 500, 100, 1, 1, 300);
        Result rolledBack = fold(rebuild, third);
        assertThat(rolledBack.toCopy()).containsOnlyKeys(ten);
        // Rolled back: folding the same batch again writes the same hour once, not twice.
        Result retried = fold(rebuild, third);
        assertThat(retried.toCopy()).containsOnlyKeys(ten);
        assertThat(retried.toCopy().get(ten).credits).isEqualTo(100);
        assertThat(retried.toCopy().get(ten).requests).isEqualTo(1);
        rebuild.committed();

        // A late refund of the 10:00 request: that hour is written, so it merges into the stored row.
        Result late = fold(rebuild, List.of(acme.refunded("req-1", 50)),
                Map.of("req-1", new RequestFacts("key-1", "mock", AccountEvents.MODEL, H10.plusSeconds(600), null)));
        assertThat(late.toCopy()).isEmpty();
        assertThat(late.toMerge()).containsOnlyKeys(ten);
        assertThat(late.toMerge().get(ten).refunded).isEqualTo(50);
        rebuild.committed();

        Map<BucketKey, Delta> held = rebuild.held();
        assertThat(held).containsOnlyKeys(eleven, key(H12, "key-1", "", AccountEvents.MODEL));
        assertThat(held.get(eleven).credits).isEqualTo(200);
        Delta twelve = held.get(key(H12, "key-1", "", AccountEvents.MODEL));
        assertThat(twelve.requests).as("the rolled back fold of the 12:00 batch is not held").isEqualTo(1);
        assertThat(twelve.credits).isEqualTo(300);
        assertThat(twelve.latency.count()).isEqualTo(1);
    }

    @Test
    void aRebuildHoldingTooManyBucketsWritesThemAllAndLaterEventsOfThoseHoursMerge() {
        UsageProjection rebuild = UsageProjection.bulk(1);
        List<TollgateEvent> events = new ArrayList<>(acme.succeededRequest("req-1", 500, 100, 1, 1, 100));
        events.addAll(acme.succeededRequest("req-2", "key-b", AccountEvents.MODEL, 100, 10, 1, 1, 200));

        Result result = fold(rebuild, events);
        assertThat(result.toCopy()).hasSize(2);
        rebuild.committed();
        assertThat(rebuild.held()).isEmpty();

        Result next = fold(rebuild, List.of(acme.accepted("req-3", false)));
        assertThat(next.toMerge()).containsOnlyKeys(key(H10, "key-1", "", AccountEvents.MODEL));
    }
}
