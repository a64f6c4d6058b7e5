package io.tollgate.ledger.credits;

import io.tollgate.ledger.api.LeaseOutcome;
import io.tollgate.ledger.api.ReservationOutcome;
import io.tollgate.ledger.api.SettlementOutcome;
import io.tollgate.ledger.api.TokenUsage;
import io.tollgate.ledger.api.ModelRate;
import io.tollgate.ledger.api.ProviderAttempt;
import io.tollgate.ledger.api.AccountStateConflict;
import io.tollgate.ledger.api.RepeatedWithOtherTerms;
import io.tollgate.events.AccountClosed;
import io.tollgate.events.AccountOpened;
import io.tollgate.events.CreditsAdjusted;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.CreditsExpired;
import io.tollgate.events.CreditsGranted;
import io.tollgate.events.CreditsReserved;
import io.tollgate.events.support.Credits;
import io.tollgate.events.LeaseExtended;
import io.tollgate.events.LeaseGranted;
import io.tollgate.events.LeaseSettled;
import io.tollgate.events.LeaseSettled.LeaseEnd;
import io.tollgate.events.support.EventIds;
import io.tollgate.events.GrantSource;
import io.tollgate.events.ProviderCalled;
import io.tollgate.events.ReleaseReason;
import io.tollgate.events.RefusalReason;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.RequestRejected;
import io.tollgate.events.ReservationReleased;
import io.tollgate.events.TokensConsumed;
import io.tollgate.ledger.api.Commands.AdjustCredits;
import io.tollgate.ledger.api.Commands.ClawBackCredits;
import io.tollgate.ledger.api.Commands.CloseAccount;
import io.tollgate.ledger.api.Commands.ExpireGrants;
import io.tollgate.ledger.api.Commands.ExpireLease;
import io.tollgate.ledger.api.Commands.ExpireReservation;
import io.tollgate.ledger.api.Commands.ExtendLease;
import io.tollgate.ledger.api.Commands.GrantCredits;
import io.tollgate.ledger.api.Commands.GrantLease;
import io.tollgate.ledger.api.Commands.OpenAccount;
import io.tollgate.ledger.api.Commands.RecordRejection;
import io.tollgate.ledger.api.Commands.ReleaseReservation;
import io.tollgate.ledger.api.Commands.ReserveCredits;
import io.tollgate.ledger.api.Commands.SettleLease;
import io.tollgate.ledger.api.Commands.SettleRequest;
import io.tollgate.ledger.credits.GrantBuckets.GrantBucket;
import com.fasterxml.jackson.annotation.JsonAutoDetect;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.CommandHandlerInterceptor;
import org.axonframework.spring.stereotype.Aggregate;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

/**
 * One account's credit. The invariant it guards (DESIGN.md I1): debits never exceed grants. Every
 * request first reserves its worst case, so concurrent requests cannot together spend more than the
 * account holds; a settlement debits at most the reservation plus what is still available. Credit is
 * kept per grant, because grants expire: only unexpired credit can be reserved or adjusted away.
 */
// Snapshots are the aggregate's fields as JSON.
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
// Public only for the bean definitions Spring generates at build time in Axon's package; the gateway reaches
// the ledger through io.tollgate.ledger.api alone (its ArchitectureTest).
@Aggregate(cache = "creditAccountCache", snapshotTriggerDefinition = "creditAccountSnapshotTrigger")
public class CreditAccount {
    /** How long after its reservation expired a request can still be settled (and so billed). */
    static final Duration LATE_SETTLEMENT_WINDOW = Duration.ofHours(24);

    @AggregateIdentifier
    private String accountId;
    private boolean closed;
    private final GrantBuckets buckets = new GrantBuckets();
    private long reservedMicros;
    private final Map<String, Reservation> reservations = new HashMap<>();
    /** Requests whose reservation expired unsettled: their answer may still arrive and must be billed (I2). */
    private final Map<String, ExpiredReservation> expiredReservations = new HashMap<>();
    /** Credit handed to gateway instances, which meter requests against it in memory until it settles. */
    private final Map<String, Lease> leases = new HashMap<>();
    private long leasedMicros;
    /** Every grant by id, spent or not, so that a repeated grant (a retried webhook) is not granted again. */
    private final Map<String, GrantTerms> grants = new HashMap<>();
    /** Adjustments that carried an id, by id, for the same reason. */
    private final Map<String, AdjustmentTerms> adjustments = new HashMap<>();

    private record GrantTerms(long amountMicros, GrantSource source, Instant expiresAt) {
    }

    private record AdjustmentTerms(long deltaMicros, String reason) {
    }

    private record Lease(String instanceId, long amountMicros, Instant expiresAt) {
    }

    private record Reservation(long amountMicros, ModelRate rate, Instant expiresAt) {
    }

    private record ExpiredReservation(ModelRate rate, Instant expiredAt) {
    }

    protected CreditAccount() {
        // for Axon's event sourcing
    }

    @CommandHandler
    public CreditAccount(OpenAccount command) {
        requireText(command.accountId(), "accountId");
        apply(new AccountOpened(EventIds.next(), now(), command.accountId(), command.displayName(), command.actor()));
    }

    /**
     * Runs before every command on an existing account, so the memory of expired reservations stays
     * bounded. This trims state outside an event-sourcing handler on purpose: the entries it drops are
     * ones no command may use any more, and an aggregate sourced afresh trims the same ones before its
     * first command.
     */
    @CommandHandlerInterceptor
    void forgetRequestsPastTheLateSettlementWindow() {
        Instant horizon = now().minus(LATE_SETTLEMENT_WINDOW);
        expiredReservations.values().removeIf(expired -> expired.expiredAt().isBefore(horizon));
    }

    /** Returns false when this very grant was given before (a retry): nothing changes. */
    @CommandHandler
    public boolean handle(GrantCredits command) {
        requireText(command.grantId(), "grantId");
        GrantTerms given = grants.get(command.grantId());
        if (given != null) {
            if (given.equals(new GrantTerms(command.amountMicros(), command.source(), command.expiresAt()))) {
                return false;
            }
            throw new RepeatedWithOtherTerms("grant " + command.grantId() + " was already given with other terms");
        }
        if (command.amountMicros() <= 0) {
            throw new IllegalArgumentException("a grant must be positive");
        }
        Instant now = now();
        if (command.expiresAt() != null && !command.expiresAt().isAfter(now)) {
            throw new IllegalArgumentException("a grant must expire in the future");
        }
        requireOpen();
        // CreditsExpired names its bucket by grant id, so two live buckets must not share one.
        if (buckets.holds(command.grantId())) {
            throw new AccountStateConflict("grant " + command.grantId() + " already exists");
        }
        apply(new CreditsGranted(EventIds.next(), now, accountId, command.grantId(), command.amountMicros(),
                command.source(), command.expiresAt(), command.actor(), command.reference()));
        return true;
    }

    /** Returns false when this very adjustment (same id) was applied before: nothing changes. */
    @CommandHandler
    public boolean handle(AdjustCredits command) {
        requireText(command.reason(), "reason");
        if (command.adjustmentId() != null) {
            AdjustmentTerms applied = adjustments.get(command.adjustmentId());
            if (applied != null) {
                if (applied.equals(new AdjustmentTerms(command.deltaMicros(), command.reason()))) {
                    return false;
                }
                throw new RepeatedWithOtherTerms("adjustment " + command.adjustmentId()
                        + " was already applied with other terms");
            }
        }
        if (command.deltaMicros() == 0) {
            throw new IllegalArgumentException("an adjustment must not be zero");
        }
        requireOpen();
        Instant now = now();
        long available = availableMicros(now);
        if (command.deltaMicros() < -available) {
            throw new IllegalArgumentException("cannot take " + Credits.toCredits(-command.deltaMicros())
                    + " credits: the account has " + Credits.toCredits(Math.max(0, available)) + " available");
        }
        apply(new CreditsAdjusted(EventIds.next(), now, accountId, command.deltaMicros(), command.reason(),
                command.actor(), command.adjustmentId()));
        return true;
    }

    /**
     * A refund takes back what of the refunded credit is still unspent: never more than is available (no
     * negative balance, nothing an open lease or reservation counts on), and nothing again for an id it has seen.
     * A closed account is clawed back too: the payment was refunded all the same.
     */
    @CommandHandler
    public long handle(ClawBackCredits command) {
        requireText(command.reason(), "reason");
        requireText(command.adjustmentId(), "adjustmentId");
        if (adjustments.containsKey(command.adjustmentId())) {
            return 0;
        }
        if (command.upToMicros() <= 0) {
            throw new IllegalArgumentException("a claw-back must be positive");
        }
        Instant now = now();
        long taken = Math.min(command.upToMicros(), Math.max(0, availableMicros(now)));
        if (taken == 0) {
            return 0;
        }
        apply(new CreditsAdjusted(EventIds.next(), now, accountId, -taken, command.reason(), command.actor(),
                command.adjustmentId()));
        return taken;
    }

    @CommandHandler
    public boolean handle(CloseAccount command) {
        requireText(command.reason(), "reason");
        if (closed) {
            return false;
        }
        apply(new AccountClosed(EventIds.next(), now(), accountId, command.reason(), command.actor()));
        return true;
    }

    @CommandHandler
    public long handle(ExpireGrants command) {
        return expireWhatNothingCountsOn(now());
    }

    /**
     * Expires the credit of expired grants, except what open leases and reservations may still debit beyond
     * the live credit: they were granted (and their requests answered) while that credit was there, so it
     * pays for them (never a short settlement, never a negative balance: I1). What is kept back expires as
     * soon as they settle. The latest-expired grants keep credit back, the earliest give theirs up first.
     */
    private long expireWhatNothingCountsOn(Instant now) {
        List<GrantBucket> expired = buckets.expiredAt(now);
        if (expired.isEmpty()) {
            return 0;
        }
        long keep = Math.max(0, reservedMicros + leasedMicros - buckets.unexpiredMicrosAt(now));
        long[] expiring = new long[expired.size()];
        for (int i = expired.size() - 1; i >= 0; i--) {
            long kept = Math.min(keep, expired.get(i).remainingMicros());
            keep -= kept;
            expiring[i] = expired.get(i).remainingMicros() - kept;
        }
        long expiredMicros = 0;
        for (int i = 0; i < expired.size(); i++) {
            if (expiring[i] > 0) {
                apply(new CreditsExpired(EventIds.next(), now, accountId, expired.get(i).grantId(), expiring[i]));
                expiredMicros += expiring[i];
            }
        }
        return expiredMicros;
    }

    @CommandHandler
    public ReservationOutcome handle(ReserveCredits command) {
        requireText(command.requestId(), "requestId");
        if (reservations.containsKey(command.requestId())) {
            throw new AccountStateConflict("request " + command.requestId() + " already holds a reservation");
        }
        Instant now = now();
        if (closed) {
            return reject(command, now, RefusalReason.ACCOUNT_CLOSED, "The account is closed.");
        }
        ModelRate rate = command.rate();
        long available = availableMicros(now);
        long inputCost = Credits.costMicros(command.estimatedInputTokens(), rate.inputMicrosPerMillion());
        int wantedOutput = command.requestedMaxTokens() != null ? command.requestedMaxTokens() : command.defaultMaxTokens();
        long affordableOutput = Credits.affordableTokens(available - inputCost, rate.outputMicrosPerMillion());
        int grantedOutput = (int) Math.min(wantedOutput, affordableOutput);
        int minimumOutput = Math.min(command.minOutputTokens(), wantedOutput);

        if (grantedOutput < minimumOutput || grantedOutput < 1 || available < inputCost) {
            String message = "Insufficient credit: this request needs about "
                    + Credits.toCredits(inputCost + Credits.costMicros(minimumOutput, rate.outputMicrosPerMillion()))
                    + " credits, the account has " + Credits.toCredits(Math.max(0, available)) + " available.";
            return reject(command, now, RefusalReason.INSUFFICIENT_CREDIT, message);
        }

        long amount = inputCost + Credits.costMicros(grantedOutput, rate.outputMicrosPerMillion());
        boolean clamped = command.requestedMaxTokens() == null || grantedOutput < command.requestedMaxTokens();
        apply(new RequestAccepted(EventIds.next(), now, accountId, command.requestId(), command.apiKeyId(),
                command.provider(), command.model(), command.apiFormat(), command.stream(),
                command.estimatedInputTokens(), command.requestedMaxTokens()));
        apply(new CreditsReserved(EventIds.next(), now, accountId, command.requestId(), amount, grantedOutput, clamped,
                rate.inputMicrosPerMillion(), rate.outputMicrosPerMillion(), now.plus(command.reservationTimeout()),
                rate.cachedInputMicrosPerMillion()));
        return new ReservationOutcome.Reserved(amount, grantedOutput, clamped);
    }

    private ReservationOutcome reject(ReserveCredits command, Instant now, RefusalReason reason, String message) {
        apply(new RequestRejected(EventIds.next(), now, accountId, command.requestId(), command.model(), reason.code(),
                reason.httpStatus(), message));
        return new ReservationOutcome.Rejected(reason, message);
    }

    /**
     * A lease never takes more than is available, so leases and reservations together never exceed the
     * unexpired credit (I1). While another instance meters this account too, a lease takes at most half
     * of what is left, so that the other is not starved while this one's lease sits partly unused.
     */
    @CommandHandler
    public LeaseOutcome handle(GrantLease command) {
        requireText(command.leaseId(), "leaseId");
        requireText(command.instanceId(), "instanceId");
        if (command.minimumMicros() <= 0 || command.wantedMicros() < command.minimumMicros()) {
            throw new IllegalArgumentException("a lease wants at least its positive minimum");
        }
        if (leases.containsKey(command.leaseId())) {
            throw new AccountStateConflict("lease " + command.leaseId() + " is open already");
        }
        if (closed) {
            return new LeaseOutcome.Refused(RefusalReason.ACCOUNT_CLOSED, 0);
        }
        Instant now = now();
        long available = availableMicros(now);
        if (available < command.minimumMicros()) {
            return new LeaseOutcome.Refused(RefusalReason.INSUFFICIENT_CREDIT, Math.max(0, available));
        }
        long amount = Math.min(command.wantedMicros(), available);
        boolean shared = leases.values().stream().anyMatch(lease -> !lease.instanceId().equals(command.instanceId()));
        if (shared) {
            amount = Math.max(command.minimumMicros(), Math.min(amount, available / 2));
        }
        Instant expiresAt = now.plus(command.ttl());
        apply(new LeaseGranted(EventIds.next(), now, accountId, command.leaseId(), command.instanceId(), amount,
                expiresAt));
        return new LeaseOutcome.Granted(command.leaseId(), amount, expiresAt, available - amount);
    }

    @CommandHandler
    public boolean handle(ExtendLease command) {
        Lease lease = leases.get(command.leaseId());
        if (lease == null || !command.expiresAt().isAfter(lease.expiresAt())) {
            return false;
        }
        apply(new LeaseExtended(EventIds.next(), now(), accountId, command.leaseId(), command.expiresAt()));
        return true;
    }

    @CommandHandler
    public long handle(SettleLease command) {
        Lease lease = leases.get(command.leaseId());
        if (lease == null) {
            return -1;
        }
        return settle(command.leaseId(), lease, command.debitedMicros(), command.requests(), LeaseEnd.RETURNED);
    }

    @CommandHandler
    public boolean handle(ExpireLease command) {
        Lease lease = leases.get(command.leaseId());
        if (lease == null || now().isBefore(lease.expiresAt())) {
            return false;
        }
        settle(command.leaseId(), lease, command.debitedMicros(), command.requests(), LeaseEnd.EXPIRED);
        return true;
    }

    /**
     * An instance never meters more than its lease, so a debit above it is a fault somewhere: the lease
     * caps it, and the audit shows the difference between the lease and its requests.
     */
    private long settle(String leaseId, Lease lease, long debitedMicros, long requests, LeaseEnd reason) {
        if (debitedMicros < 0 || requests < 0) {
            throw new IllegalArgumentException("a lease's debits and requests are not negative");
        }
        long debit = Math.min(Math.min(debitedMicros, lease.amountMicros()), buckets.totalMicros());
        Instant now = now();
        apply(new LeaseSettled(EventIds.next(), now, accountId, leaseId, lease.amountMicros(), debit, requests,
                reason));
        expireWhatNothingCountsOn(now);
        return debit;
    }

    /** A refusal decided outside the aggregate (limits): recorded, never changing credit. */
    @CommandHandler
    public void handle(RecordRejection command) {
        requireText(command.requestId(), "requestId");
        requireText(command.reason(), "reason");
        if (command.httpStatus() < 400 || command.httpStatus() > 499) {
            throw new IllegalArgumentException("a rejection is a 4xx, not " + command.httpStatus());
        }
        apply(new RequestRejected(EventIds.next(), now(), accountId, command.requestId(), command.model(),
                command.reason(), command.httpStatus(), command.message()));
    }

    /**
     * Bills a request from its reservation or, when the reservation expired before the answer came, late
     * from whatever is still available; a request is billed at most once.
     */
    @CommandHandler
    public SettlementOutcome handle(SettleRequest command) {
        Reservation reservation = reservations.get(command.requestId());
        ExpiredReservation expired = expiredReservations.get(command.requestId());
        if (reservation == null && expired == null) {
            return new SettlementOutcome(0, true);
        }
        ModelRate reservedRate = reservation != null ? reservation.rate() : expired.rate();
        ModelRate rate = command.rate() != null ? command.rate() : reservedRate;
        long heldMicros = reservation != null ? reservation.amountMicros() : 0;
        Instant now = now();
        recordAttempts(command.requestId(), command.attempts(), now);
        TokenUsage usage = command.usage();
        long cost = usage.costMicros(rate);
        long debit = Math.min(cost, debitCeilingMicros(heldMicros, now));
        apply(new TokensConsumed(EventIds.next(), now, accountId, command.requestId(), command.provider(),
                command.model(), usage.inputTokens(), usage.outputTokens(), usage.cachedInputTokens(),
                usage.reasoningTokens(), usage.estimated()));
        apply(new CreditsDebited(EventIds.next(), now, accountId, command.requestId(), debit, command.provider(),
                command.model()));
        if (reservation != null) {
            apply(new ReservationReleased(EventIds.next(), now, accountId, command.requestId(),
                    reservation.amountMicros(), ReleaseReason.SETTLED));
            expireWhatNothingCountsOn(now);
        }
        return new SettlementOutcome(debit, false);
    }

    /**
     * The most a settlement may debit: what its reservation holds, plus what is available to anyone
     * (the input estimate can fall short of the provider's count), and never more than exists. A grant
     * that expired after the reservation was made still pays for it until it is swept.
     */
    private long debitCeilingMicros(long heldMicros, Instant now) {
        return Math.min(heldMicros + Math.max(0, availableMicros(now)), buckets.totalMicros());
    }

    @CommandHandler
    public boolean handle(ReleaseReservation command) {
        Reservation reservation = reservations.get(command.requestId());
        if (reservation == null) {
            return false;
        }
        Instant now = now();
        recordAttempts(command.requestId(), command.attempts(), now);
        apply(new ReservationReleased(EventIds.next(), now, accountId, command.requestId(),
                reservation.amountMicros(), ReleaseReason.PROVIDER_FAILED));
        expireWhatNothingCountsOn(now);
        return true;
    }

    @CommandHandler
    public boolean handle(ExpireReservation command) {
        Reservation reservation = reservations.get(command.requestId());
        Instant now = now();
        if (reservation == null || now.isBefore(reservation.expiresAt())) {
            return false;
        }
        apply(new ReservationReleased(EventIds.next(), now, accountId, command.requestId(),
                reservation.amountMicros(), ReleaseReason.EXPIRED));
        expireWhatNothingCountsOn(now);
        return true;
    }

    private void recordAttempts(String requestId, List<ProviderAttempt> attempts, Instant now) {
        for (ProviderAttempt attempt : attempts) {
            apply(new ProviderCalled(EventIds.next(), now, accountId, requestId, attempt.provider(), attempt.model(),
                    attempt.credentialId(), attempt.attempt(), attempt.httpStatus(), attempt.latencyMillis(),
                    attempt.ttfbMillis(), attempt.errorClass()));
        }
    }

    /** Unexpired credit not held by a reservation or a lease; negative when a grant expired under them. */
    private long availableMicros(Instant now) {
        return buckets.unexpiredMicrosAt(now) - reservedMicros - leasedMicros;
    }

    private void requireOpen() {
        if (closed) {
            throw new AccountStateConflict("account " + accountId + " is closed");
        }
    }

    // The handlers below decide expiry by the event's own time, never the clock, so that replaying the
    // log at any later time rebuilds the same buckets.

    @EventSourcingHandler
    void on(AccountOpened event) {
        accountId = event.accountId();
    }

    @EventSourcingHandler
    void on(AccountClosed event) {
        closed = true;
    }

    @EventSourcingHandler
    void on(CreditsGranted event) {
        buckets.add(event.grantId(), event.amountMicros(), event.expiresAt());
        grants.put(event.grantId(), new GrantTerms(event.amountMicros(), event.source(), event.expiresAt()));
    }

    @EventSourcingHandler
    void on(CreditsAdjusted event) {
        if (event.adjustmentId() != null) {
            adjustments.put(event.adjustmentId(), new AdjustmentTerms(event.deltaMicros(), event.reason()));
        }
        if (event.deltaMicros() > 0) {
            buckets.add("adjustment-" + event.eventId(), event.deltaMicros(), null);
        } else {
            buckets.consume(-event.deltaMicros(), event.occurredAt());
        }
    }

    @EventSourcingHandler
    void on(CreditsExpired event) {
        // Before leases an expiry always took the whole bucket, so logs of then replay the same.
        buckets.take(event.grantId(), event.amountMicros());
    }

    @EventSourcingHandler
    void on(CreditsReserved event) {
        reservedMicros += event.amountMicros();
        long cachedRate = event.cachedInputRateMicrosPerMillion() != null
                ? event.cachedInputRateMicrosPerMillion() : event.inputRateMicrosPerMillion();
        var rate = new ModelRate(event.inputRateMicrosPerMillion(), event.outputRateMicrosPerMillion(), cachedRate);
        reservations.put(event.requestId(), new Reservation(event.amountMicros(), rate, event.expiresAt()));
    }

    @EventSourcingHandler
    void on(CreditsDebited event) {
        buckets.consume(event.amountMicros(), event.occurredAt());
        expiredReservations.remove(event.requestId());
    }

    @EventSourcingHandler
    void on(ReservationReleased event) {
        reservedMicros -= event.amountMicros();
        Reservation released = reservations.remove(event.requestId());
        if (event.reason() == ReleaseReason.EXPIRED && released != null) {
            expiredReservations.put(event.requestId(), new ExpiredReservation(released.rate(), released.expiresAt()));
        }
    }

    @EventSourcingHandler
    void on(LeaseGranted event) {
        leasedMicros += event.amountMicros();
        leases.put(event.leaseId(), new Lease(event.instanceId(), event.amountMicros(), event.expiresAt()));
    }

    @EventSourcingHandler
    void on(LeaseExtended event) {
        leases.computeIfPresent(event.leaseId(),
                (id, lease) -> new Lease(lease.instanceId(), lease.amountMicros(), event.expiresAt()));
    }

    @EventSourcingHandler
    void on(LeaseSettled event) {
        Lease settled = leases.remove(event.leaseId());
        if (settled != null) {
            leasedMicros -= settled.amountMicros();
        }
        buckets.consume(event.debitedMicros(), event.occurredAt());
    }

    private static Instant now() {
        return Instant.now();
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
    }
}
