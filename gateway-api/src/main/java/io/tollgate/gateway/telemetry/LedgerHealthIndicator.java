package io.tollgate.gateway.telemetry;

import io.tollgate.ledger.api.CommitHealth;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * DOWN while the ledger cannot commit: from the first commit batch that failed to reach the database
 * until one succeeds. A check that finds the ledger failing, or idle for longer than a second, starts one
 * probe transaction in the background (never more than one at a time): the check itself answers at once
 * even while the database hangs, an idle instance notices an outage, and an instance taken out of
 * rotation comes back UP without traffic.
 */
class LedgerHealthIndicator implements HealthIndicator, DisposableBean {
    private static final Duration IDLE = Duration.ofSeconds(1);
    private final CommitHealth commits;
    private final ExecutorService prober = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("ledger-health-probe").daemon().factory());
    private final AtomicBoolean probing = new AtomicBoolean();

    public LedgerHealthIndicator(CommitHealth commits) {
        this.commits = commits;
    }

    @Override
    public Health health() {
        CommitHealth.Failure failure = commits.failure();
        if ((failure != null || commits.sinceLastCommit().compareTo(IDLE) > 0) && probing.compareAndSet(false, true)) {
            prober.execute(() -> {
                try {
                    commits.probe();
                } finally {
                    probing.set(false);
                }
            });
        }
        if (failure == null) {
            return Health.up().build();
        }
        return Health.down()
                .withDetail("failingSince", failure.since().toString())
                .withDetail("error", failure.cause())
                .build();
    }

    @Override
    public void destroy() {
        prober.shutdownNow();
    }
}
