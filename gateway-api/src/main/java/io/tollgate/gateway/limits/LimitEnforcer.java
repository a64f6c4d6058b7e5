package io.tollgate.gateway.limits;

import io.tollgate.events.RefusalReason;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.limits.LimitStore.SubjectType;
import io.tollgate.gateway.usage.SettledUsage;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * Admits a request against the limits of its key and of its account, and charges what it used once it is
 * settled. Checks run cheapest-refusal first: spend budget (402), tokens per minute, requests per minute,
 * then requests in flight (429). A subject without limits costs a cache lookup and nothing else.
 */
@Component
class LimitEnforcer {
    private static final Logger log = LoggerFactory.getLogger(LimitEnforcer.class);
    private final LimitStore store;
    private final RateBuckets buckets;
    private final ConcurrencyLeases leases;
    private final SpendBudgets budgets;

    /** Charges usage after the response; bounded, and the request thread charges itself when it is full. */
    private final ThreadPoolExecutor charging = new ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(10_000), Thread.ofPlatform().daemon().name("limits-charging-", 0).factory(),
            new ThreadPoolExecutor.CallerRunsPolicy());

    LimitEnforcer(LimitStore store, RateBuckets buckets, ConcurrencyLeases leases, SpendBudgets budgets) {
        this.store = store;
        this.buckets = buckets;
        this.leases = leases;
        this.budgets = budgets;
    }

    @PreDestroy
    void stop() throws InterruptedException {
        charging.shutdown();
        charging.awaitTermination(5, TimeUnit.SECONDS);
    }

    /** @param ancestor a key above the caller's (the caller's key was made from it) */
    record Subject(SubjectType type, String id, Limits limits, boolean ancestor) {
        Subject(SubjectType type, String id, Limits limits) {
            this(type, id, limits, false);
        }

        String key() {
            return type.name().toLowerCase() + ":" + id;
        }

        String describe() {
            if (type == SubjectType.ACCOUNT) {
                return "account " + id;
            }
            return ancestor ? "the API key " + id + " this key was made from" : "this API key";
        }
    }

    /** What an admitted request holds until it ends. */
    public final class Admission {
        private final List<Subject> subjects;
        private final List<UUID> held = new ArrayList<>();

        private Admission(List<Subject> subjects) {
            this.subjects = subjects;
        }

        public boolean limited() {
            return !subjects.isEmpty();
        }

        /**
         * Ends the request: frees its concurrency slots at once, and charges its tokens and spend off the
         * request thread (a few milliseconds later), so that the client does not wait for those writes.
         */
        public void finish(SettledUsage usage) {
            leases.release(List.copyOf(held));
            held.clear();
            if (usage == null) {
                return;
            }
            charging.execute(() -> charge(usage));
        }

        private void charge(SettledUsage usage) {
            try {
                Instant now = Instant.now();
                long tokens = Math.max(0, usage.inputTokens()) + Math.max(0, usage.outputTokens());
                for (Subject subject : subjects) {
                    Limits limits = subject.limits();
                    if (limits.tokensPerMinute() != null) {
                        buckets.chargeTokens(subject.key(), limits.tokensPerMinute(), tokens);
                    }
                    if (limits.budgetMicros() != null) {
                        budgets.charge(subject.key(), limits.budgetPeriod(), now, usage.debitedMicroCredits());
                    }
                }
            } catch (RuntimeException e) {
                // A request left uncharged only loosens its limits a little; the client has its answer.
                log.warn("could not charge a request's usage to its limits: {}", e.toString());
            }
        }
    }

    public Admission admit(Caller caller) throws LimitRefusal {
        List<Subject> subjects = new ArrayList<>(2 + caller.ancestorKeyIds().size());
        Limits keyLimits = store.effective(SubjectType.KEY, caller.keyId());
        if (!keyLimits.isEmpty()) {
            subjects.add(new Subject(SubjectType.KEY, caller.keyId(), keyLimits));
        }
        // A key made from another spends its ancestors' limits too: making keys never adds up to more.
        for (String ancestor : caller.ancestorKeyIds()) {
            Limits ancestorLimits = store.effective(SubjectType.KEY, ancestor);
            if (!ancestorLimits.isEmpty()) {
                subjects.add(new Subject(SubjectType.KEY, ancestor, ancestorLimits, true));
            }
        }
        if (caller.accountId() != null) {
            Limits accountLimits = store.effective(SubjectType.ACCOUNT, caller.accountId());
            if (!accountLimits.isEmpty()) {
                subjects.add(new Subject(SubjectType.ACCOUNT, caller.accountId(), accountLimits));
            }
        }
        Admission admission = new Admission(subjects);
        if (subjects.isEmpty()) {
            return admission;
        }
        Instant now = Instant.now();
        List<Subject> budgeted = subjects.stream().filter(subject -> subject.limits().budgetMicros() != null).toList();
        if (!budgeted.isEmpty()) {
            Map<String, Long> spent = budgets.spent(budgeted.stream()
                    .map(subject -> Map.entry(subject.key(), subject.limits().budgetPeriod())).toList(), now);
            for (Subject subject : budgeted) {
                Limits limits = subject.limits();
                if (spent.getOrDefault(subject.key(), 0L) >= limits.budgetMicros()) {
                    Instant end = SpendBudgets.periodEnd(limits.budgetPeriod(), now);
                    throw new LimitRefusal(new LimitExceeded(RefusalReason.BUDGET_EXHAUSTED, "insufficient_quota",
                            "budget_exceeded", "The " + limits.budgetPeriod()
                            + "ly spend budget of " + subject.describe() + " is used up; it renews at " + end + ".",
                            Duration.between(now, end).toSeconds() + 1));
                }
            }
        }
        for (Subject subject : subjects) {
            Long perMinute = subject.limits().tokensPerMinute();
            if (perMinute != null) {
                OptionalLong wait = buckets.tokensLeft(subject.key(), perMinute);
                if (wait.isPresent()) {
                    throw new LimitRefusal(new LimitExceeded(RefusalReason.RATE_LIMIT_TOKENS, "tokens",
                            "rate_limit_exceeded", "Rate limit reached: " + subject.describe()
                            + " may use " + perMinute + " tokens per minute.", seconds(wait.getAsLong())));
                }
            }
        }
        List<Subject> taken = new ArrayList<>(2);
        for (Subject subject : subjects) {
            Long perMinute = subject.limits().requestsPerMinute();
            if (perMinute != null) {
                OptionalLong wait = buckets.takeRequest(subject.key(), perMinute);
                if (wait.isPresent()) {
                    taken.forEach(t -> buckets.returnRequest(t.key(), t.limits().requestsPerMinute()));
                    throw new LimitRefusal(new LimitExceeded(RefusalReason.RATE_LIMIT_REQUESTS, "requests",
                            "rate_limit_exceeded", "Rate limit reached: " + subject.describe()
                            + " may send " + perMinute + " requests per minute.", seconds(wait.getAsLong())));
                }
                taken.add(subject);
            }
        }
        List<ConcurrencyLeases.Slot> slots = subjects.stream()
                .filter(subject -> subject.limits().concurrentRequests() != null)
                .map(subject -> new ConcurrencyLeases.Slot(subject.key(), subject.limits().concurrentRequests()))
                .toList();
        if (!slots.isEmpty()) {
            ConcurrencyLeases.Acquired acquired = leases.acquire(slots);
            if (!acquired.granted()) {
                taken.forEach(t -> buckets.returnRequest(t.key(), t.limits().requestsPerMinute()));
                Subject full = subjects.stream().filter(s -> s.key().equals(acquired.fullSubject())).findFirst()
                        .orElseThrow();
                throw new LimitRefusal(new LimitExceeded(RefusalReason.CONCURRENCY_LIMIT, "requests",
                        "concurrency_limit_exceeded", "Too many requests in flight: "
                        + full.describe() + " may have " + full.limits().concurrentRequests() + " at a time.", 1));
            }
            admission.held.addAll(acquired.leases());
        }
        return admission;
    }

    private static long seconds(long nanos) {
        return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }

    /** Thrown by {@link #admit} when a limit refuses the request. */
    public static final class LimitRefusal extends Exception {
        private final LimitExceeded exceeded;

        LimitRefusal(LimitExceeded exceeded) {
            super(exceeded.message(), null, false, false);
            this.exceeded = exceeded;
        }

        public LimitExceeded exceeded() {
            return exceeded;
        }
    }
}
