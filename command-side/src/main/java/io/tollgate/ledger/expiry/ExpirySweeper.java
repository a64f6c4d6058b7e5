package io.tollgate.ledger.expiry;

import io.tollgate.ledger.api.Commands.ExpireGrants;
import io.tollgate.ledger.api.Commands.ExpireLease;
import io.tollgate.ledger.api.Commands.ExpireReservation;
import io.tollgate.ledger.requests.LeaseTally;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Ends what outlived its expiry: a reservation whose settlement never came because the node handling
 * it died (DESIGN.md I2), and the unused remainder of an expired grant. It takes the due entries of
 * the expiry schedule and asks their accounts to expire them. The account decides: an entry that went
 * stale (a reservation settled meanwhile) is a no-op, and so is a second sweep of the same entry, so
 * sweeps on several instances at once would be harmless. They do not happen anyway: an instance sweeps
 * only while it holds a PostgreSQL advisory lock ({@link SweepLock}); the others skip their turn.
 */
class ExpirySweeper {
    private static final Logger log = LoggerFactory.getLogger(ExpirySweeper.class);
    /** How long a sweep waits for the accounts' answers; whatever is unanswered then is left to the next sweep. */
    private static final Duration ANSWER_TIMEOUT = Duration.ofMinutes(1);
    /**
     * A reservation entry due this long whose account has nothing to release is stale: the release
     * happened, but the schedule does not show it (a projection rebuilt from a log written before appends
     * took their index in commit order may have skipped it). It is dropped rather than swept forever. The margin keeps a wall clock
     * stepping back from dropping an entry its account merely finds not yet due.
     */
    private static final Duration STALE_RESERVATION_MARGIN = Duration.ofMinutes(1);

    private final ExpirySchedule schedule;
    private final SweepLock lock;
    private final CommandGateway commands;
    private final LeaseTally leaseTally;
    private final int batchSize;

    ExpirySweeper(ExpirySchedule schedule, SweepLock lock, CommandGateway commands, LeaseTally leaseTally,
                  int batchSize) {
        this.schedule = schedule;
        this.lock = lock;
        this.commands = commands;
        this.leaseTally = leaseTally;
        this.batchSize = batchSize;
    }

    /**
     * Sweeps one batch of due entries now, unless another instance is sweeping. Answers how many due
     * entries the accounts handled (expired, or found to have nothing left to expire); 0 when another
     * instance holds the sweep.
     */
    public int sweepNow() {
        // The accounts decide expiry by this JVM's clock, so the due entries are chosen by it as well
        // (not by the database's now()): an entry is not picked before its account agrees it is due.
        Instant cutoff = Instant.now();
        Optional<Integer> handled = lock.runIfFree(() -> sweepDueAt(cutoff));
        if (handled.isEmpty()) {
            log.debug("another instance is sweeping expiries; this one skips its turn");
        }
        return handled.orElse(0);
    }

    @Scheduled(initialDelayString = ExpiryProperties.SWEEP_INTERVAL_PLACEHOLDER,
            fixedDelayString = ExpiryProperties.SWEEP_INTERVAL_PLACEHOLDER)
    void sweepOnSchedule() {
        try {
            sweepNow();
        } catch (RuntimeException e) {
            // Every sweep starts over from the schedule, so a failed one loses nothing.
            log.error("expiry sweep failed; the next one retries", e);
        }
    }

    private int sweepDueAt(Instant cutoff) {
        List<ExpiringItem> due = schedule.dueAt(cutoff, batchSize);
        if (due.isEmpty()) {
            return 0;
        }
        var tally = new Tally();
        Instant staleIfDueBy = cutoff.minus(STALE_RESERVATION_MARGIN);
        // Everything is sent before anything is awaited, so that the group-commit bus can put many of
        // these commands in one transaction.
        List<SentExpiry<?>> sent = new ArrayList<>();
        Map<String, List<String>> dueGrantIdsByAccount = new LinkedHashMap<>();
        for (ExpiringItem item : due) {
            switch (item.kind()) {
                case RESERVATION -> sent.add(send(new ExpireReservation(item.accountId(), item.itemId()), 1,
                        (Boolean released) -> {
                            if (released) {
                                tally.reservationsReleased++;
                            } else {
                                schedule.removeIfDueBy(item, staleIfDueBy);
                            }
                        }));
                case LEASE -> expireLease(item, staleIfDueBy, tally).ifPresent(sent::add);
                case GRANT -> dueGrantIdsByAccount.computeIfAbsent(item.accountId(), account -> new ArrayList<>())
                        .add(item.itemId());
            }
        }
        // One ExpireGrants sweeps every expired grant of its account.
        dueGrantIdsByAccount.forEach((accountId, grantIds) -> sent.add(send(new ExpireGrants(accountId), grantIds.size(),
                (Long expiredMicros) -> {
                    tally.grantMicrosExpired += expiredMicros;
                    // A grant spent to nothing before its expiry leaves no CreditsExpired for the
                    // projection to act on; its entry goes now that the account has nothing left of it.
                    schedule.removeGrants(accountId, grantIds);
                })));

        long deadline = System.nanoTime() + ANSWER_TIMEOUT.toNanos();
        try {
            for (SentExpiry<?> expiry : sent) {
                expiry.awaitAnswer(deadline, tally);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("expiry sweep interrupted (shutting down?); the next sweep retries what was not answered");
        }
        log.info("expiry sweep: {} due entries, {} handled; {} reservations released, {} leases settled from the log, "
                + "{} micro-credits of expired grants swept", due.size(), tally.entriesHandled,
                tally.reservationsReleased, tally.leasesSettled, tally.grantMicrosExpired);
        if (tally.firstFailure != null) {
            // One line for all failures: when the command bus stops, every pending command fails alike.
            log.warn("{} expiry commands failed, the next sweep retries them; the first, {}, with",
                    tally.commandsFailed, tally.firstFailedCommand, tally.firstFailure);
        }
        return tally.entriesHandled;
    }

    /**
     * A lease its instance did not give back: what its requests cost is read from the log, where every
     * request the instance answered 2xx is, because its answer waited for its debit to be durable.
     */
    private Optional<SentExpiry<Boolean>> expireLease(ExpiringItem item, Instant staleIfDueBy, Tally tally) {
        LeaseTally.Tally requests;
        try {
            requests = leaseTally.tally(item.accountId(), item.itemId(), grantedAt(item.itemId()));
        } catch (RuntimeException unreadable) {
            tally.failed("tally of lease " + item.itemId(), unreadable);
            return Optional.empty();
        }
        return Optional.of(send(new ExpireLease(item.accountId(), item.itemId(), requests.debitedMicros(),
                requests.requests()), 1, (Boolean settled) -> {
            if (settled) {
                tally.leasesSettled++;
            } else {
                schedule.removeIfDueBy(item, staleIfDueBy);
            }
        }));
    }

    /** Lease ids are UUIDv7, made when the lease was asked for: their first 48 bits are that moment. */
    static Instant grantedAt(String leaseId) {
        try {
            return Instant.ofEpochMilli(UUID.fromString(leaseId).getMostSignificantBits() >>> 16);
        } catch (IllegalArgumentException notAUuid) {
            return Instant.EPOCH;
        }
    }

    private <R> SentExpiry<R> send(Object command, int dueEntries, Consumer<R> onAnswer) {
        CompletableFuture<R> answer = commands.send(command);
        return new SentExpiry<>(command, dueEntries, answer, onAnswer);
    }

    private static final class Tally {
        int entriesHandled;
        int reservationsReleased;
        int leasesSettled;
        long grantMicrosExpired;
        int commandsFailed;
        Object firstFailedCommand;
        Throwable firstFailure;

        void failed(Object command, Throwable failure) {
            if (commandsFailed++ == 0) {
                firstFailedCommand = command;
                firstFailure = failure;
            }
        }
    }

    private record SentExpiry<R>(Object command, int dueEntries, CompletableFuture<R> answer, Consumer<R> onAnswer) {

        /** Records the account's answer, or the failure to get or record it, in the tally. */
        void awaitAnswer(long deadlineNanos, Tally tally) throws InterruptedException {
            try {
                onAnswer.accept(answer.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS));
                tally.entriesHandled += dueEntries;
            } catch (ExecutionException e) {
                tally.failed(command, e.getCause());
            } catch (TimeoutException e) {
                tally.failed(command, new TimeoutException("no answer within " + ANSWER_TIMEOUT));
            } catch (RuntimeException e) {
                tally.failed(command, e);
            }
        }
    }
}
