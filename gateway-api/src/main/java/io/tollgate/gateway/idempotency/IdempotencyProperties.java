package io.tollgate.gateway.idempotency;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import java.time.Duration;
import java.util.Set;

/**
 * @param paths             the POST endpoints that honour {@code Idempotency-Key}; each must be behind API key auth
 * @param retention         how long a key's outcome is kept for replay, counted from when it is stored
 * @param abandonAfter      an in-progress key whose owner stopped renewing its lease for this long counts as
 *                          abandoned (its node died) and a retry may take it over
 * @param maxStoredResponse a larger response is relayed in full but not kept; a retry then gets 409
 * @param cleanupInterval   how often expired keys are deleted
 * @param cleanupBatchSize  rows deleted per statement, so that no cleanup holds many locks at once
 */
@ConfigurationProperties("tollgate.idempotency")
record IdempotencyProperties(@DefaultValue("/v1/chat/completions") Set<String> paths,
                                    @DefaultValue("24h") Duration retention,
                                    @DefaultValue("10m") Duration abandonAfter,
                                    @DefaultValue("1MB") DataSize maxStoredResponse,
                                    @DefaultValue("5m") Duration cleanupInterval,
                                    @DefaultValue("1000") int cleanupBatchSize) {

    public IdempotencyProperties {
        if (abandonAfter.compareTo(Duration.ofSeconds(3)) < 0) {
            throw new IllegalArgumentException("tollgate.idempotency.abandon-after must be at least 3s");
        }
        if (cleanupBatchSize < 1) {
            throw new IllegalArgumentException("tollgate.idempotency.cleanup-batch-size must be positive");
        }
    }

    /** Renewing three times per lease lets two renewals fail (a slow database) before a live request looks dead. */
    Duration leaseRenewalInterval() {
        return abandonAfter.dividedBy(3);
    }
}
