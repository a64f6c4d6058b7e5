package io.tollgate.gateway.responses;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/** Deletes stored responses past their retention, on every instance. */
@Component
@EnableScheduling
class ResponsesHousekeeping implements SchedulingConfigurer {
    private static final Logger log = LoggerFactory.getLogger(ResponsesHousekeeping.class);
    private static final int BATCH = 1000;
    /** Bounds one run, so that a huge backlog is worked off over several runs. */
    private static final int MAX_BATCHES_PER_RUN = 100;

    private final ResponseStore store;
    private final ResponsesProperties properties;

    ResponsesHousekeeping(ResponseStore store, ResponsesProperties properties) {
        this.store = store;
        this.properties = properties;
    }

    @Override
    public void configureTasks(ScheduledTaskRegistrar tasks) {
        tasks.addFixedDelayTask(this::deleteExpired, properties.cleanupInterval());
    }

    void deleteExpired() {
        try {
            for (int batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
                if (store.deleteExpired(BATCH) < BATCH) {
                    break;
                }
            }
        } catch (DataAccessException e) {
            log.warn("could not delete expired stored responses: {}", e.getMessage());
        }
    }
}
