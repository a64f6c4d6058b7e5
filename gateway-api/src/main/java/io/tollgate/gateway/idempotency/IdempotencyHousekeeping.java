package io.tollgate.gateway.idempotency;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

import java.time.Duration;

/** Renews the leases of running requests and deletes expired keys, on every instance. */
@Component
@EnableScheduling
class IdempotencyHousekeeping implements SchedulingConfigurer {
    private static final Logger log = LoggerFactory.getLogger(IdempotencyHousekeeping.class);
    /** Bounds one cleanup run, so that a huge backlog is worked off over several runs, not in one long one. */
    private static final int MAX_BATCHES_PER_RUN = 100;

    /** Unsaved outcomes are few and a retry waits for them: they are tried again often. */
    private static final Duration UNSAVED_RETRY_INTERVAL = Duration.ofSeconds(1);

    private final IdempotencyKeyStore store;
    private final InFlightClaims inFlight;
    private final UnsavedOutcomes unsaved;
    private final IdempotencyFilter filter;
    private final IdempotencyProperties properties;

    IdempotencyHousekeeping(IdempotencyKeyStore store, InFlightClaims inFlight, UnsavedOutcomes unsaved,
                            IdempotencyFilter filter, IdempotencyProperties properties) {
        this.store = store;
        this.inFlight = inFlight;
        this.unsaved = unsaved;
        this.filter = filter;
        this.properties = properties;
    }

    @Override
    public void configureTasks(ScheduledTaskRegistrar tasks) {
        tasks.addFixedDelayTask(this::renewLeases, properties.leaseRenewalInterval());
        tasks.addFixedDelayTask(this::deleteExpiredQuietly, properties.cleanupInterval());
        tasks.addFixedDelayTask(this::saveUnsavedOutcomes, UNSAVED_RETRY_INTERVAL);
    }

    /** Stores the outcomes that could not be stored when their requests ended; returns how many are left. */
    int saveUnsavedOutcomes() {
        int left = 0;
        for (UnsavedOutcomes.Unsaved outcome : unsaved.snapshot()) {
            try {
                filter.save(outcome.claim(), outcome.outcome(), outcome.isFinal());
                unsaved.remove(outcome.claim());
                inFlight.remove(outcome.claim());
            } catch (RuntimeException e) {
                left++;
            }
        }
        if (left > 0) {
            log.warn("{} idempotency outcomes are still waiting to be stored", left);
        }
        return left;
    }

    void renewLeases() {
        try {
            store.renewLeases(inFlight.snapshot());
        } catch (DataAccessException e) {
            // The next renewal comes well before the lease runs out.
            log.warn("could not renew idempotency key leases: {}", e.getMessage());
        }
    }

    /** Deletes expired keys in batches; returns how many. */
    int deleteExpired() {
        int deleted = 0;
        for (int batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
            int rows = store.deleteExpired(properties.cleanupBatchSize());
            deleted += rows;
            if (rows < properties.cleanupBatchSize()) {
                break;
            }
        }
        return deleted;
    }

    private void deleteExpiredQuietly() {
        try {
            int deleted = deleteExpired();
            if (deleted > 0) {
                log.debug("deleted {} expired idempotency keys", deleted);
            }
        } catch (DataAccessException e) {
            log.warn("could not delete expired idempotency keys: {}", e.getMessage());
        }
    }
}
