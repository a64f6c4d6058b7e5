package io.tollgate.ledger.expiry;

import io.tollgate.ledger.testing.LedgerTestApplication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTask;
import org.springframework.scheduling.config.ScheduledTaskHolder;
import org.springframework.scheduling.config.TaskExecutionOutcome;

import java.time.Duration;
import java.util.UUID;

import static io.tollgate.ledger.expiry.ExpiryLedger.assertReserved;
import static io.tollgate.ledger.expiry.ExpiryLedger.newId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Nobody calls the sweeper here: it sweeps on its own, at the configured pace. */
class ScheduledSweepTest {
    private static final Duration INTERVAL = Duration.ofMillis(300);
    private static ConfigurableApplicationContext context;
    private static ExpiryLedger ledger;

    @BeforeAll
    static void start() {
        context = LedgerTestApplication.start("tollgate.ledger.expiry-scheduled-test." + UUID.randomUUID(),
                "--tollgate.ledger.expiry.sweep-interval=" + INTERVAL.toMillis() + "ms");
        ledger = new ExpiryLedger(context);
    }

    @AfterAll
    static void stop() {
        if (context != null) {
            context.close();
        }
    }

    @Test
    void theScheduledSweepRunsAtTheConfiguredIntervalAndReleasesAnOrphanedReservation() {
        FixedDelayTask sweep = scheduledSweep();
        assertThat(sweep.getIntervalDuration()).isEqualTo(INTERVAL);
        assertThat(sweep.getInitialDelayDuration()).isEqualTo(INTERVAL);

        String account = ledger.openAccountWith(100);
        String orphan = newId("req-orphan");
        assertReserved(ledger.reserve(account, orphan, 100, Duration.ofMillis(1)));

        await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> !ledger.releaseReasons(account, orphan).isEmpty());
        assertThat(ledger.releaseReasons(account, orphan)).containsExactly("EXPIRED");
        // Another test process sharing the database may have swept the orphan; this instance's own
        // sweeps must have run all the same, and without an error escaping.
        assertThat(sweep.getLastExecutionOutcome().executionTime()).isNotNull();
        assertThat(sweep.getLastExecutionOutcome().status()).isNotEqualTo(TaskExecutionOutcome.Status.ERROR);
    }

    private static FixedDelayTask scheduledSweep() {
        return context.getBeansOfType(ScheduledTaskHolder.class).values().stream()
                .flatMap(holder -> holder.getScheduledTasks().stream())
                .map(ScheduledTask::getTask)
                // A scheduled method's task is named after the method; its runnable is wrapped.
                .filter(task -> task.toString().equals(ExpirySweeper.class.getName() + ".sweepOnSchedule"))
                .map(FixedDelayTask.class::cast)
                .findFirst()
                .orElseThrow(() -> new AssertionError("the expiry sweep is not scheduled"));
    }
}
