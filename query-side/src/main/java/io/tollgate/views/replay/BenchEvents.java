package io.tollgate.views.replay;

import io.tollgate.events.AccountOpened;
import io.tollgate.events.CreditsAdjusted;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.CreditsExpired;
import io.tollgate.events.CreditsGranted;
import io.tollgate.events.CreditsRefunded;
import io.tollgate.events.LeaseExtended;
import io.tollgate.events.LeaseGranted;
import io.tollgate.events.LeaseSettled;
import io.tollgate.events.support.EventIds;
import io.tollgate.events.GrantSource;
import io.tollgate.events.ProviderCalled;
import io.tollgate.events.ReleaseReason;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.RequestRejected;
import io.tollgate.events.ReservationReleased;
import io.tollgate.events.TokensConsumed;
import io.tollgate.events.TollgateEvent;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * A realistic ledger for the replay benchmark, in the shape of credit leases (issue 12): accounts opened
 * with a grant, then requests spread over them at random across 30 days, each drawn on its account's open
 * lease (granted to one of three gateway instances, sometimes extended, settled when it runs low or now and
 * then by expiry). Of the requests, most are answered (accepted with the lease and its worst case, a
 * provider call, sometimes a retried one, tokens, a debit naming the lease), about 5 % fail upstream and
 * are released on their lease, about 3 % are rejected; now and then a grant expires, a request is
 * refunded or an admin adjusts. No CreditsReserved: the lease holds the credit.
 */
public final class BenchEvents {
    private static final String[][] MODELS = {
            {"openai", "gpt-4o"}, {"openai", "gpt-4o-mini"}, {"anthropic", "claude-sonnet-4"},
            {"google", "gemini-2.5-flash"}, {"mock", "gpt-4o"}};
    private static final Duration SPAN = Duration.ofDays(30);

    private final int accounts;
    private final SplittableRandom random = new SplittableRandom(42);

    public BenchEvents(int accounts) {
        this.accounts = accounts;
    }

    /** Calls sink with about {@code count} events (never fewer), each account's in order. */
    public void generate(long count, Consumer<TollgateEvent> sink) {
        Instant start = Instant.now().minus(SPAN);
        long stepNanos = Math.max(1, SPAN.toNanos() / Math.max(1, count));
        boolean[] opened = new boolean[accounts];
        Lease[] leases = new Lease[accounts];
        long leaseCount = 0;
        long emitted = 0;
        long request = 0;
        Instant clock = start;
        List<TollgateEvent> burst = new ArrayList<>(8);
        while (emitted < count) {
            int a = random.nextInt(accounts);
            String account = "bench-" + a;
            burst.clear();
            if (!opened[a]) {
                opened[a] = true;
                burst.add(new AccountOpened(EventIds.next(), clock, account, "Bench account " + a, "bench"));
                burst.add(new CreditsGranted(EventIds.next(), clock, account, "grant-" + a, 100_000_000L,
                        GrantSource.PROMOTION, null, "bench"));
            } else {
                Lease lease = leases[a];
                if (lease == null) {
                    lease = leases[a] = new Lease("bench-lease-" + (leaseCount++), 2_000_000 + random.nextInt(3_000_000));
                    burst.add(new LeaseGranted(EventIds.next(), clock, account, lease.id, "gw-" + random.nextInt(3),
                            lease.amount, clock.plusSeconds(300)));
                }
                String requestId = "bench-req-" + (request++);
                String[] model = MODELS[random.nextInt(MODELS.length)];
                String key = "key-" + a + "-" + random.nextInt(3);
                int roll = random.nextInt(1000);
                if (roll < 30) {
                    burst.add(new RequestRejected(EventIds.next(), clock, account, requestId, model[1],
                            "insufficient_credit", 402, "Insufficient credit"));
                } else {
                    long reserve = 20_000 + random.nextInt(80_000);
                    burst.add(new RequestAccepted(EventIds.next(), clock, account, requestId, key, model[0], model[1],
                            "openai.chat", random.nextBoolean(), 200 + random.nextInt(2_000), 1_024, reserve, lease.id));
                    long latency = 150 + (long) (random.nextDouble() * random.nextDouble() * 6_000);
                    if (roll < 80) {
                        burst.add(new ProviderCalled(EventIds.next(), clock, account, requestId, model[0], model[1],
                                "cred-1", 1, 503, latency, null, "upstream_5xx"));
                        burst.add(new ReservationReleased(EventIds.next(), clock, account, requestId, reserve,
                                ReleaseReason.PROVIDER_FAILED, lease.id));
                    } else {
                        if (roll < 130) {
                            burst.add(new ProviderCalled(EventIds.next(), clock, account, requestId, model[0], model[1],
                                    "cred-1", 1, 429, 40, null, "rate_limited"));
                        }
                        burst.add(new ProviderCalled(EventIds.next(), clock, account, requestId, model[0], model[1],
                                "cred-2", roll < 130 ? 2 : 1, 200, latency, latency / 5, null));
                        long input = 50 + random.nextInt(3_000);
                        long output = 10 + random.nextInt(800);
                        burst.add(new TokensConsumed(EventIds.next(), clock, account, requestId, model[0], model[1],
                                input, output, random.nextInt(4) == 0 ? input / 2 : 0, 0, false));
                        long cost = Math.min(reserve, (input * 2_500_000 + output * 10_000_000) / 1_000_000 + 1);
                        burst.add(new CreditsDebited(EventIds.next(), clock, account, requestId, cost, model[0], model[1],
                                lease.id));
                        lease.debited += cost;
                        lease.requests++;
                        if (roll >= 995) {
                            burst.add(new CreditsRefunded(EventIds.next(), clock, account, requestId, cost,
                                    "bad answer", "bench-admin"));
                        }
                    }
                }
                if (lease.amount - lease.debited < 100_000 || random.nextInt(40) == 0) {
                    boolean expired = random.nextInt(20) == 0;
                    burst.add(new LeaseSettled(EventIds.next(), clock, account, lease.id, lease.amount, lease.debited,
                            lease.requests, expired ? LeaseSettled.LeaseEnd.EXPIRED : LeaseSettled.LeaseEnd.RETURNED));
                    leases[a] = null;
                } else if (random.nextInt(30) == 0) {
                    burst.add(new LeaseExtended(EventIds.next(), clock, account, lease.id, clock.plusSeconds(600)));
                }
                if (random.nextInt(2_000) == 0) {
                    burst.add(new CreditsAdjusted(EventIds.next(), clock, account, 1_000_000, "goodwill", "bench-admin"));
                }
                if (random.nextInt(5_000) == 0) {
                    burst.add(new CreditsExpired(EventIds.next(), clock, account, "grant-" + a, 1_000));
                }
            }
            for (TollgateEvent event : burst) {
                sink.accept(event);
            }
            emitted += burst.size();
            clock = clock.plusNanos(stepNanos * burst.size());
        }
    }

    private static final class Lease {
        final String id;
        final long amount;
        long debited, requests;

        Lease(String id, long amount) {
            this.id = id;
            this.amount = amount;
        }
    }
}
