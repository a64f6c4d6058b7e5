package io.tollgate.gateway.limits;

import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/** Drops the rows of rate buckets nobody used for a while. */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class LimitHousekeeping {
    private final RateBuckets buckets;

    LimitHousekeeping(RateBuckets buckets) {
        this.buckets = buckets;
    }

    @Scheduled(fixedDelayString = "${tollgate.limits.sweep-interval:60s}", initialDelayString = "60s")
    void sweepIdleBuckets() {
        buckets.sweep();
    }
}
