package io.tollgate.gateway.credentials;

import io.tollgate.gateway.credentials.CredentialPool.CallOutcome;
import io.tollgate.gateway.providers.Provider;
import io.tollgate.gateway.providers.WireFormat;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The pool's choices in memory: smooth weighted round-robin, cool-down and restore, rejection. */
class WeightedCredentialPoolTest {
    private final MutableClock clock = new MutableClock();
    private final List<String> rejected = new CopyOnWriteArrayList<>();
    private final WeightedCredentialPool pool = new WeightedCredentialPool(
            new CredentialProperties(Duration.ofSeconds(30), 0, Duration.ofMinutes(5), Duration.ofSeconds(10),
                    Duration.ofSeconds(5)),
            clock, (provider, credential) -> rejected.add(credential.id()));

    private static final Provider.Credential A = new Provider.Credential("cred_a", "sk-a-secret-000000001", 3, 0);
    private static final Provider.Credential B = new Provider.Credential("cred_b", "sk-b-secret-000000002", 1, 0);

    @Test
    void weightsThreeToOneGiveExactlyThreeHundredAndOneHundredOfFourHundredInterleaved() {
        Provider provider = provider(A, B);
        List<String> picks = picks(provider, 400);

        assertThat(count(picks)).containsExactlyInAnyOrderEntriesOf(Map.of("cred_a", 300L, "cred_b", 100L));
        // smooth: every window of four calls holds exactly one call with B, never four of A in a row
        for (int i = 0; i + 4 <= picks.size(); i += 4) {
            assertThat(picks.subList(i, i + 4)).containsOnlyOnce("cred_b");
        }
        assertThat(String.join(",", picks)).doesNotContain("cred_a,cred_a,cred_a,cred_a");
        assertThat(picks.subList(0, 4)).containsExactly("cred_a", "cred_a", "cred_b", "cred_a");
    }

    @Test
    void equalWeightsAlternate() {
        Provider provider = provider(new Provider.Credential("x", "s1-000000000", 1, 0),
                new Provider.Credential("y", "s2-000000000", 1, 0), new Provider.Credential("z", "s3-000000000", 1, 0));
        assertThat(picks(provider, 6)).containsExactly("x", "y", "z", "x", "y", "z");
    }

    @Test
    void aRateLimitedCredentialSitsOutItsCoolDownAndThenComesBack() {
        Provider provider = provider(A, B);
        pool.report(provider, A, CallOutcome.RATE_LIMITED);

        assertThat(picks(provider, 10)).containsOnly("cred_b");
        assertThat(pool.localState("p", "cred_a").coolingUntil()).isEqualTo(clock.instant().plusSeconds(30));
        assertThat(pool.localState("p", "cred_a").lastError()).contains("429");

        clock.advance(Duration.ofSeconds(29));
        assertThat(picks(provider, 4)).containsOnly("cred_b");

        clock.advance(Duration.ofSeconds(1));
        assertThat(pool.localState("p", "cred_a").coolingUntil()).isNull();
        List<String> restored = picks(provider, 400);
        assertThat(count(restored)).containsExactlyInAnyOrderEntriesOf(Map.of("cred_a", 300L, "cred_b", 100L));
    }

    @Test
    void whenEveryCredentialIsCoolingThereIsNoneAndTheWaitIsKnown() {
        Provider provider = provider(A, B);
        pool.report(provider, A, CallOutcome.RATE_LIMITED);
        clock.advance(Duration.ofSeconds(10));
        pool.report(provider, B, CallOutcome.RATE_LIMITED);

        assertThat(pool.next(provider)).isEmpty();
        assertThat(pool.retryAfter(provider)).contains(Duration.ofSeconds(20));

        clock.advance(Duration.ofSeconds(20));
        assertThat(pool.next(provider)).map(Provider.Credential::id).contains("cred_a");
    }

    @Test
    void aCutWeightKeepsAShareWhenTheFactorSaysSo() {
        var keepTenth = new WeightedCredentialPool(new CredentialProperties(Duration.ofSeconds(30), 0.1,
                Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofSeconds(5)), clock, (p, c) -> { });
        Provider provider = provider(new Provider.Credential("big", "s-big-000000", 10, 0),
                new Provider.Credential("small", "s-small-0000", 1, 0));
        keepTenth.report(provider, provider.credentials().getFirst(), CallOutcome.RATE_LIMITED);

        List<String> picks = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            picks.add(keepTenth.next(provider).orElseThrow().id());
        }
        assertThat(count(picks)).containsExactlyInAnyOrderEntriesOf(Map.of("big", 100L, "small", 100L));
    }

    @Test
    void aRejectedCredentialLeavesRotationAtOnceAndIsReportedOnce() {
        Provider provider = provider(A, B);
        pool.report(provider, A, CallOutcome.REJECTED);
        pool.report(provider, A, CallOutcome.REJECTED);

        assertThat(rejected).containsExactly("cred_a");
        assertThat(picks(provider, 8)).containsOnly("cred_b");

        // the registry still lists it (its refresh predates the disable): it stays out
        Provider sameList = provider(A, B);
        assertThat(picks(sameList, 8)).containsOnly("cred_b");

        // disabled in the database, then re-enabled: it comes back with a newer revision
        Provider withoutA = provider(B);
        assertThat(picks(withoutA, 2)).containsOnly("cred_b");
        Provider reenabled = provider(new Provider.Credential("cred_a", A.secret(), 3, 2), B);
        assertThat(count(picks(reenabled, 400))).containsExactlyInAnyOrderEntriesOf(
                Map.of("cred_a", 300L, "cred_b", 100L));
    }

    @Test
    void aReweightedListIsTakenOverOnTheNextCall() {
        assertThat(count(picks(provider(A, B), 4))).containsEntry("cred_a", 3L);
        Provider reweighted = provider(new Provider.Credential("cred_a", A.secret(), 1, 1),
                new Provider.Credential("cred_b", B.secret(), 1, 1));
        assertThat(count(picks(reweighted, 100))).containsExactlyInAnyOrderEntriesOf(
                Map.of("cred_a", 50L, "cred_b", 50L));
    }

    @Test
    void noCredentialsMeansNone() {
        assertThat(pool.next(provider())).isEmpty();
        assertThat(pool.retryAfter(provider())).isEmpty();
    }

    @Test
    void usageIsDrainedOncePerChange() {
        Provider provider = provider(A, B);
        picks(provider, 4);
        pool.report(provider, B, CallOutcome.RATE_LIMITED);

        var usage = pool.drainUsage();
        assertThat(usage).extracting(WeightedCredentialPool.Usage::credentialId)
                .containsExactlyInAnyOrder("cred_a", "cred_b");
        assertThat(usage).filteredOn(u -> u.credentialId().equals("cred_b")).singleElement()
                .satisfies(u -> assertThat(u.lastError()).contains("429"));
        assertThat(pool.drainUsage()).isEmpty();
    }

    @Test
    void concurrentPicksKeepTheExactDistribution() throws Exception {
        Provider provider = provider(A, B);
        int threads = 8, perThread = 500;
        Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        CountDownLatch start = new CountDownLatch(1);
        try (var executor = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                executor.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        counts.computeIfAbsent(pool.next(provider).orElseThrow().id(), k -> new AtomicInteger())
                                .incrementAndGet();
                    }
                    return null;
                });
            }
            start.countDown();
        }
        assertThat(counts.get("cred_a").get()).isEqualTo(3000);
        assertThat(counts.get("cred_b").get()).isEqualTo(1000);
    }

    @Test
    void credentialsNeverShowTheirSecret() {
        assertThat(A.toString()).doesNotContain(A.secret());
        assertThat(provider(A, B).toString()).doesNotContain(A.secret()).doesNotContain(B.secret());
    }

    private List<String> picks(Provider provider, int n) {
        List<String> picks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Optional<Provider.Credential> next = pool.next(provider);
            picks.add(next.orElseThrow().id());
        }
        return picks;
    }

    private static Map<String, Long> count(List<String> picks) {
        return picks.stream().collect(Collectors.groupingBy(id -> id, Collectors.counting()));
    }

    private static Provider provider(Provider.Credential... credentials) {
        return new Provider("p", WireFormat.OPENAI, URI.create("http://127.0.0.1:1/v1"), List.of(credentials));
    }

    static final class MutableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public long millis() {
            return now.toEpochMilli();
        }
    }
}
