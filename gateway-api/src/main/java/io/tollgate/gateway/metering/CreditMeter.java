package io.tollgate.gateway.metering;

import io.tollgate.events.RefusalReason;
import io.tollgate.events.support.Credits;
import io.tollgate.events.support.EventIds;
import io.tollgate.events.RequestRejected;
import io.tollgate.events.TollgateEvent;
import io.tollgate.gateway.auth.AuthInvalidation;
import io.tollgate.gateway.telemetry.RequestMetrics;
import io.tollgate.ledger.api.LeaseOutcome;
import io.tollgate.ledger.api.ModelRate;
import io.tollgate.ledger.api.CreditLeases;
import io.tollgate.ledger.api.CreditLeases.LedgerUnavailable;
import io.tollgate.ledger.api.RequestEventLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Meters requests against credit leases in memory (DESIGN.md, the request path): a request's worst case
 * is held on its account's current lease without a round trip; only when the lease cannot cover it does
 * the request ask the ledger for a new one. A lease takes requests for {@code retireAfter}, then is given
 * back with the exact sum of its requests' debits once they have finished. Every debit counted here was
 * made durable first, so what this instance gives back equals what the log says its requests cost.
 */
@Component
@EnableConfigurationProperties(MeteringProperties.class)
public class CreditMeter implements AuthInvalidation.Listener, SmartLifecycle {
    /** The notification that an account was closed or its credit changed, on {@link AuthInvalidation#CHANNEL}. */
    public static final String ACCOUNT_CHANGED = "account:";

    private static final Logger log = LoggerFactory.getLogger(CreditMeter.class);

    private final CreditLeases ledger;
    private final RequestEventLog events;
    private final RequestMetrics metrics;
    private final MeteringProperties properties;
    private final long maxLeaseMicros;
    private final ConcurrentHashMap<String, AccountMeter> accounts = new ConcurrentHashMap<>();
    private final ScheduledExecutorService keeper = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("credit-leases").daemon().factory());

    /**
     * Stops after the web server (phase MAX - 2048) has finished its requests and before Axon's Spring
     * configuration (MAX - 3072) unsubscribes the ledger's command handlers, so that the leases can still
     * be given back.
     */
    private static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 2560;
    private volatile boolean running;

    CreditMeter(CreditLeases ledger, RequestEventLog events, RequestMetrics metrics, MeteringProperties properties) {
        this.ledger = ledger;
        this.events = events;
        this.metrics = metrics;
        this.properties = properties;
        this.maxLeaseMicros = Credits.micros(properties.maxLeaseCredits());
        long tick = properties.tick().toMillis();
        keeper.scheduleWithFixedDelay(this::keepLeasesSafely, tick, tick, TimeUnit.MILLISECONDS);
    }

    /** @param askedAtNanos when the refused grant was sent: the ledger's state was at least that fresh */
    private record LastRefusal(long askedAtNanos, LeaseOutcome.Refused outcome) {
    }

    /** One account's leases on this instance; {@code current} takes new requests, the others drain. */
    private static final class AccountMeter {
        final String accountId;
        final ReentrantLock leasing = new ReentrantLock();
        final AtomicReference<Lease> current = new AtomicReference<>();
        final Set<Lease> open = ConcurrentHashMap.newKeySet();
        /** Micro-credits held per second on the last retired lease: sizes the next one. */
        volatile long demandMicrosPerSecond;
        /** The ledger's last refusal; requests that queued while it was being asked share its answer. */
        volatile LastRefusal lastRefusal;
        /** The last lease was granted all it wanted: the account has room for one more in advance. */
        volatile boolean roomy;
        /**
         * What the account had available besides its leases when this instance last took one, plus what
         * leases given back since returned: with the open leases' free credit, the balance as seen here.
         */
        final AtomicLong outsideLeasesMicros = new AtomicLong();

        AccountMeter(String accountId) {
            this.accountId = accountId;
        }
    }

    /**
     * Holds the request's worst case: the input estimate plus its output limit, the limit lowered to what
     * the credit affords when the account cannot cover all of it. Throws {@link LedgerUnavailable} when a
     * new lease was needed and the ledger did not answer in time.
     */
    public Metering reserve(RequestFacts facts) {
        ModelRate rate = facts.rate();
        long inputCost = Credits.costMicros(facts.estimatedInputTokens(), rate.inputMicrosPerMillion());
        int wantedOutput = facts.requestedMaxTokens() != null ? facts.requestedMaxTokens() : facts.defaultMaxTokens();
        int minimumOutput = Math.min(facts.minOutputTokens(), wantedOutput);
        // A hold is never zero, so that even a free model's request draws on a lease the log can name.
        long fullMicros = Math.max(1, inputCost + Credits.costMicros(wantedOutput, rate.outputMicrosPerMillion()));
        long minimumMicros = Math.max(1, inputCost + Credits.costMicros(minimumOutput, rate.outputMicrosPerMillion()));
        Instant usableUntil = Instant.now().plus(properties.tick().multipliedBy(2));
        long arrivedAtNanos = System.nanoTime();

        AccountMeter account = accounts.computeIfAbsent(facts.accountId(), AccountMeter::new);
        Lease lease = account.current.get();
        if (lease != null && lease.tryHold(fullMicros, usableUntil, arrivedAtNanos)) {
            return held(lease, facts, fullMicros, wantedOutput);
        }
        lockLeasing(account);
        try {
            lease = account.current.get();
            if (lease != null && lease.tryHold(fullMicros, usableUntil, arrivedAtNanos)) {
                return held(lease, facts, fullMicros, wantedOutput);
            }
            // The ledger refused a lease after this request arrived and what it had was less than this
            // request's minimum: asking again would only queue every request of a spent account.
            LastRefusal refusedMeanwhile = account.lastRefusal;
            if (refusedMeanwhile != null && refusedMeanwhile.askedAtNanos() - arrivedAtNanos >= 0
                    && refusedMeanwhile.outcome().availableMicros() < minimumMicros) {
                return refusal(refusedMeanwhile.outcome(), minimumMicros);
            }
            if (lease != null) {
                // Given back first, so that what it has left counts toward the next lease.
                retire(account, lease);
                settleIfDrained(account, lease);
            }
            long wanted = Math.max(fullMicros, wantedLease(account, fullMicros));
            String leaseId = EventIds.next().toString();
            long askedAtNanos = System.nanoTime();
            LeaseOutcome outcome = ledger.grant(facts.accountId(), leaseId, wanted, minimumMicros,
                    properties.leaseTtl());
            if (outcome instanceof LeaseOutcome.Refused refused) {
                account.lastRefusal = new LastRefusal(askedAtNanos, refused);
                account.roomy = false;
                return refusal(refused, minimumMicros);
            }
            Lease fresh = opened(account, leaseId, (LeaseOutcome.Granted) outcome, wanted);
            if (fresh.tryHold(fullMicros, usableUntil, arrivedAtNanos)) {
                return held(fresh, facts, fullMicros, wantedOutput);
            }
            long affordable = fresh.holdRest(minimumMicros, usableUntil, arrivedAtNanos);
            if (affordable == 0) {
                // Only a lease that expires at once gets here (a clock far off); it is given back unused.
                retire(account, fresh);
                settleIfDrained(account, fresh);
                throw new LedgerUnavailable("the ledger granted lease " + leaseId + " already expiring", null);
            }
            long outputTokens = Credits.affordableTokens(affordable - inputCost, rate.outputMicrosPerMillion());
            return held(fresh, facts, affordable, (int) Math.min(wantedOutput, outputTokens));
        } finally {
            account.leasing.unlock();
        }
    }

    /** At least a few worst cases; when the account is busy, what it held over two lease lives. */
    private long wantedLease(AccountMeter account, long fullMicros) {
        return Math.min(maxLeaseMicros, Math.max(fullMicros * properties.minLeaseRequests(),
                account.demandMicrosPerSecond * properties.retireAfter().toSeconds() * 2));
    }

    private Lease opened(AccountMeter account, String leaseId, LeaseOutcome.Granted granted, long wanted) {
        Lease fresh = new Lease(account.accountId, leaseId, granted.amountMicros(), granted.expiresAt(),
                System.nanoTime());
        account.roomy = granted.amountMicros() >= wanted;
        account.outsideLeasesMicros.set(granted.remainingMicros());
        account.open.add(fresh);
        account.current.set(fresh);
        return fresh;
    }

    private void lockLeasing(AccountMeter account) {
        try {
            if (!account.leasing.tryLock(properties.leaseWait().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new LedgerUnavailable("no lease for account " + account.accountId + " in time", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerUnavailable("interrupted while waiting for a lease", e);
        }
    }

    private Metering held(Lease lease, RequestFacts facts, long holdMicros, int grantedOutput) {
        boolean clamped = facts.requestedMaxTokens() == null || grantedOutput < facts.requestedMaxTokens();
        return new Metering.Held(new MeteredRequest(this, lease, facts, holdMicros, grantedOutput, clamped,
                Instant.now()));
    }

    private static Metering refusal(LeaseOutcome.Refused refused, long minimumMicros) {
        if (refused.reason() == RefusalReason.ACCOUNT_CLOSED) {
            return new Metering.Refused(refused.reason(), "The account is closed.");
        }
        return new Metering.Refused(refused.reason(), "Insufficient credit: this request needs about "
                + Credits.toCredits(minimumMicros) + " credits, the account has "
                + Credits.toCredits(refused.availableMicros()) + " available.");
    }

    /**
     * The account's available credit as this instance sees it, without asking the ledger: what the ledger had
     * left besides this instance's leases when it last took one (plus what leases given back since returned),
     * and what its open leases have neither debited nor hold for requests in flight. Other instances' leases
     * count as spent until they are given back; credit granted since is seen from the next lease on.
     */
    public OptionalLong availableAsSeen(String accountId) {
        AccountMeter account = accounts.get(accountId);
        if (account == null) {
            return OptionalLong.empty();
        }
        long available = account.outsideLeasesMicros.get();
        for (Lease lease : account.open) {
            available += lease.freeMicros();
        }
        return OptionalLong.of(Math.max(0, available));
    }

    /**
     * Records a refusal of the client's request; nobody waits for it, and no money depends on it.
     *
     * @param appId the app the request was made for, or null
     */
    public void recordRejection(String accountId, String requestId, String model, String reason, int httpStatus,
                                String message, String appId) {
        recordQuietly(accountId, List.of(new RequestRejected(EventIds.next(), Instant.now(), accountId,
                requestId, model, reason, httpStatus, message, appId)));
    }

    /**
     * Stops taking requests on the account's leases and gives them back as their requests finish, so that
     * a closed account or a changed balance is seen by the next request.
     */
    public void retireLeasesOf(String accountId) {
        AccountMeter account = accounts.get(accountId);
        if (account == null) {
            return;
        }
        for (Lease lease : account.open) {
            retire(account, lease);
            settleIfDrained(account, lease);
        }
    }

    @Override
    public void invalidate(String payload) {
        if (payload.startsWith(ACCOUNT_CHANGED)) {
            retireLeasesOf(payload.substring(ACCOUNT_CHANGED.length()));
        }
    }

    /** Leases stay valid while notifications were missed: their expiry bounds how stale they can be. */
    @Override
    public void invalidateAll() {
    }

    /**
     * Waits without a timeout of its own: the log completes every append within its bound (the ack timeout, then
     * the spill timeout), so the answer always agrees with what the log did, and no timer is armed and disarmed
     * on the JDK's delay-scheduler thread for every request (docs/ledger.md).
     */
    boolean makeDurable(String accountId, String leaseId, List<TollgateEvent> requestEvents) {
        long startedAt = System.nanoTime();
        boolean durable = false;
        try {
            events.append(accountId, leaseId, requestEvents).get();
            durable = true;
            metrics.recorded(requestEvents);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | RuntimeException e) {
            log.error("the events of a request on lease {} of account {} are not durable: {}", leaseId, accountId,
                    e.toString());
            return false;
        } finally {
            metrics.eventsWaited(System.nanoTime() - startedAt, durable);
        }
    }

    void recordQuietly(String accountId, List<TollgateEvent> requestEvents) {
        events.appendQuietly(accountId, requestEvents);
        metrics.recorded(requestEvents);
    }

    /** A request on the lease ended; a retired lease whose last request it was is given back soon. */
    void ended(Lease lease) {
        if (lease.drained()) {
            AccountMeter account = accounts.get(lease.accountId);
            keeper.execute(() -> settleIfDrained(account, lease));
        }
    }

    private void retire(AccountMeter account, Lease lease) {
        if (lease.retired()) {
            return;
        }
        lease.retire();
        account.current.compareAndSet(lease, null);
        account.demandMicrosPerSecond = lease.heldPerSecond(System.nanoTime());
    }

    private void settleIfDrained(AccountMeter account, Lease lease) {
        if (!lease.beginSettling()) {
            return;
        }
        boolean done = false;
        try {
            long debited = ledger.settle(lease.accountId, lease.leaseId, lease.debitedMicros(), lease.requests());
            if (debited < 0) {
                log.warn("lease {} of account {} was settled from the log before this instance gave it back",
                        lease.leaseId, lease.accountId);
            }
            done = true;
            account.open.remove(lease);
            account.outsideLeasesMicros.addAndGet(lease.amountMicros - lease.debitedMicros());
        } catch (RuntimeException e) {
            log.warn("could not give back lease {} of account {}; retrying: {}", lease.leaseId, lease.accountId,
                    e.toString());
        } finally {
            lease.settlingEnded(done);
        }
    }

    private void keepLeasesSafely() {
        try {
            keepLeases();
        } catch (RuntimeException e) {
            log.error("keeping credit leases failed; the next tick retries", e);
        }
    }

    /** Retires leases past their time, gives back the drained ones, extends those with requests still open. */
    private void keepLeases() {
        long now = System.nanoTime();
        Instant wallNow = Instant.now();
        Duration ttl = properties.leaseTtl();
        for (AccountMeter account : accounts.values()) {
            renewAhead(account, now);
            for (Lease lease : account.open) {
                if (now - lease.grantedAtNanos >= properties.retireAfter().toNanos()) {
                    retire(account, lease);
                }
                settleIfDrained(account, lease);
                if (lease.hasOpenRequests() && lease.expiresAt().isBefore(wallNow.plus(ttl.dividedBy(2)))) {
                    extend(lease, wallNow.plus(ttl));
                }
            }
        }
    }

    /**
     * Takes a busy account's next lease before its current one retires or runs dry, so that requests do
     * not wait for the ledger. Busy means a request drew on the lease within the last two ticks: an account
     * that went quiet gives its lease back and holds no credit until it is used again. Only where the last
     * lease got all it wanted: on an account near its end the next lease is asked for by the request that
     * needs it, at the size it needs.
     */
    private void renewAhead(AccountMeter account, long now) {
        Lease current = account.current.get();
        long twoTicks = properties.tick().multipliedBy(2).toNanos();
        if (current == null || !account.roomy || !current.heldSince(now - twoTicks)) {
            return;
        }
        boolean old = now - current.grantedAtNanos >= properties.retireAfter().toNanos() - twoTicks;
        boolean runningLow = current.freeMicros() < current.amountMicros / 4;
        if (!(old || runningLow) || !account.leasing.tryLock()) {
            return;
        }
        try {
            if (account.current.get() != current) {
                return;
            }
            account.demandMicrosPerSecond = Math.max(account.demandMicrosPerSecond, current.heldPerSecond(now));
            long wanted = wantedLease(account, 1);
            String leaseId = EventIds.next().toString();
            if (ledger.grant(account.accountId, leaseId, wanted, 1, properties.leaseTtl())
                    instanceof LeaseOutcome.Granted granted) {
                opened(account, leaseId, granted, wanted);
                retire(account, current);
                settleIfDrained(account, current);
            } else {
                account.roomy = false;
            }
        } catch (RuntimeException e) {
            log.warn("could not take the next lease of account {} ahead: {}", account.accountId, e.toString());
        } finally {
            account.leasing.unlock();
        }
    }

    private void extend(Lease lease, Instant until) {
        try {
            if (ledger.extend(lease.accountId, lease.leaseId, until)) {
                lease.extendTo(until);
            }
        } catch (RuntimeException e) {
            log.warn("could not extend lease {} of account {}: {}", lease.leaseId, lease.accountId, e.toString());
        }
    }

    /**
     * What a kill -9 leaves of this instance's metering: nothing. Its leases are neither kept nor given
     * back; the ledger settles them from the log after they expire. For tests of exactly that.
     */
    void haltAsIfKilled() {
        keeper.shutdownNow();
        accounts.clear();
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        giveBackLeases();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** Gives back every lease whose requests have finished; the rest are settled from the log after expiry. */
    private void giveBackLeases() {
        keeper.shutdown();
        for (AccountMeter account : accounts.values()) {
            for (Lease lease : account.open) {
                retire(account, lease);
                settleIfDrained(account, lease);
            }
        }
    }
}
