package io.tollgate.ledger.credits;

import io.tollgate.events.AccountOpened;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.CreditsGranted;
import io.tollgate.events.CreditsReserved;
import io.tollgate.events.Credits;
import io.tollgate.events.EventIds;
import io.tollgate.events.ProviderCalled;
import io.tollgate.events.ReleaseReason;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.RequestRejected;
import io.tollgate.events.ReservationReleased;
import io.tollgate.events.TokensConsumed;
import io.tollgate.ledger.credits.Commands.GrantCredits;
import io.tollgate.ledger.credits.Commands.OpenAccount;
import io.tollgate.ledger.credits.Commands.ReleaseReservation;
import io.tollgate.ledger.credits.Commands.ReserveCredits;
import io.tollgate.ledger.credits.Commands.SettleRequest;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.spring.stereotype.Aggregate;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

/**
 * One account's credit. The invariant it guards (DESIGN.md I1): debits never exceed grants. Every
 * request first reserves its worst case, so concurrent requests cannot together spend more than the
 * account holds; a settlement debits at most the reservation plus what is still available.
 */
@Aggregate
public class CreditAccount {
    @AggregateIdentifier
    private String accountId;
    private long grantedMicros;
    private long debitedMicros;
    private long reservedMicros;
    private final Map<String, Reservation> reservations = new HashMap<>();

    private record Reservation(long amountMicros, ModelRate rate) {
    }

    protected CreditAccount() {
        // for Axon's event sourcing
    }

    @CommandHandler
    public CreditAccount(OpenAccount command) {
        requireText(command.accountId(), "accountId");
        apply(new AccountOpened(EventIds.next(), now(), command.accountId(), command.displayName(), command.actor()));
    }

    @CommandHandler
    public void handle(GrantCredits command) {
        if (command.amountMicros() <= 0) {
            throw new IllegalArgumentException("a grant must be positive");
        }
        apply(new CreditsGranted(EventIds.next(), now(), accountId, command.grantId(), command.amountMicros(),
                command.source(), command.expiresAt(), command.actor()));
    }

    @CommandHandler
    public ReservationOutcome handle(ReserveCredits command) {
        requireText(command.requestId(), "requestId");
        if (reservations.containsKey(command.requestId())) {
            throw new IllegalStateException("request " + command.requestId() + " already holds a reservation");
        }
        Instant now = now();
        ModelRate rate = command.rate();
        long inputCost = Credits.costMicros(command.estimatedInputTokens(), rate.inputMicrosPerMillion());
        int wantedOutput = command.requestedMaxTokens() != null ? command.requestedMaxTokens() : command.defaultMaxTokens();
        long affordableOutput = Credits.affordableTokens(availableMicros() - inputCost, rate.outputMicrosPerMillion());
        int grantedOutput = (int) Math.min(wantedOutput, affordableOutput);
        int minimumOutput = Math.min(command.minOutputTokens(), wantedOutput);

        if (grantedOutput < minimumOutput || grantedOutput < 1 || availableMicros() < inputCost) {
            String message = "Insufficient credit: this request needs about "
                    + Credits.toCredits(inputCost + Credits.costMicros(minimumOutput, rate.outputMicrosPerMillion()))
                    + " credits, the account has " + Credits.toCredits(Math.max(0, availableMicros())) + " available.";
            apply(new RequestRejected(EventIds.next(), now, accountId, command.requestId(), command.model(),
                    ReservationOutcome.INSUFFICIENT_CREDIT, 402, message));
            return new ReservationOutcome.Rejected(ReservationOutcome.INSUFFICIENT_CREDIT, message);
        }

        long amount = inputCost + Credits.costMicros(grantedOutput, rate.outputMicrosPerMillion());
        boolean clamped = command.requestedMaxTokens() == null || grantedOutput < command.requestedMaxTokens();
        apply(new RequestAccepted(EventIds.next(), now, accountId, command.requestId(), command.apiKeyId(),
                command.provider(), command.model(), command.apiFormat(), command.stream(),
                command.estimatedInputTokens(), command.requestedMaxTokens()));
        apply(new CreditsReserved(EventIds.next(), now, accountId, command.requestId(), amount, grantedOutput, clamped,
                rate.inputMicrosPerMillion(), rate.outputMicrosPerMillion(), now.plus(command.reservationTimeout())));
        return new ReservationOutcome.Reserved(amount, grantedOutput, clamped);
    }

    @CommandHandler
    public SettlementOutcome handle(SettleRequest command) {
        Reservation reservation = reservations.get(command.requestId());
        if (reservation == null) {
            return new SettlementOutcome(0, true);
        }
        Instant now = now();
        recordAttempts(command.requestId(), command.attempts(), now);
        TokenUsage usage = command.usage();
        long cost = Math.addExact(
                Credits.costMicros(usage.inputTokens(), reservation.rate().inputMicrosPerMillion()),
                Credits.costMicros(usage.outputTokens(), reservation.rate().outputMicrosPerMillion()));
        // The input estimate can fall short of the provider's count; the excess comes from what is
        // still available, and never more than that.
        long debit = Math.min(cost, reservation.amountMicros() + availableMicros());
        apply(new TokensConsumed(EventIds.next(), now, accountId, command.requestId(), command.provider(),
                command.model(), usage.inputTokens(), usage.outputTokens(), usage.cachedInputTokens(),
                usage.reasoningTokens(), usage.estimated()));
        apply(new CreditsDebited(EventIds.next(), now, accountId, command.requestId(), debit, command.provider(),
                command.model()));
        apply(new ReservationReleased(EventIds.next(), now, accountId, command.requestId(),
                reservation.amountMicros(), ReleaseReason.SETTLED));
        return new SettlementOutcome(debit, false);
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
        return true;
    }

    private void recordAttempts(String requestId, List<ProviderAttempt> attempts, Instant now) {
        for (ProviderAttempt attempt : attempts) {
            apply(new ProviderCalled(EventIds.next(), now, accountId, requestId, attempt.provider(), attempt.model(),
                    attempt.credentialId(), attempt.attempt(), attempt.httpStatus(), attempt.latencyMillis(),
                    attempt.ttfbMillis(), attempt.errorClass()));
        }
    }

    private long availableMicros() {
        return grantedMicros - debitedMicros - reservedMicros;
    }

    @EventSourcingHandler
    void on(AccountOpened event) {
        accountId = event.accountId();
    }

    @EventSourcingHandler
    void on(CreditsGranted event) {
        grantedMicros += event.amountMicros();
    }

    @EventSourcingHandler
    void on(CreditsReserved event) {
        reservedMicros += event.amountMicros();
        reservations.put(event.requestId(), new Reservation(event.amountMicros(),
                new ModelRate(event.inputRateMicrosPerMillion(), event.outputRateMicrosPerMillion())));
    }

    @EventSourcingHandler
    void on(CreditsDebited event) {
        debitedMicros += event.amountMicros();
    }

    @EventSourcingHandler
    void on(ReservationReleased event) {
        reservedMicros -= event.amountMicros();
        reservations.remove(event.requestId());
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
