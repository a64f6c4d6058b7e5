package io.tollgate.ledger.expiry;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * @param sweepInterval the pause between the end of one sweep and the start of the next (and before the
 *                      first); also the longest an orphaned reservation stays held beyond its timeout
 * @param batchSize     due entries one sweep handles at most; the rest wait for the next sweep
 */
@ConfigurationProperties(ExpiryProperties.PREFIX)
record ExpiryProperties(@DefaultValue(ExpiryProperties.DEFAULT_SWEEP_INTERVAL) Duration sweepInterval,
                               @DefaultValue("500") int batchSize) {
    static final String PREFIX = "tollgate.ledger.expiry";
    static final String DEFAULT_SWEEP_INTERVAL = "30s";
    /** For {@code @Scheduled}, which reads the property itself. */
    static final String SWEEP_INTERVAL_PLACEHOLDER = "${" + PREFIX + ".sweep-interval:" + DEFAULT_SWEEP_INTERVAL + "}";

    public ExpiryProperties {
        if (sweepInterval.isNegative() || sweepInterval.isZero()) {
            throw new IllegalArgumentException(PREFIX + ".sweep-interval must be positive");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException(PREFIX + ".batch-size must be positive");
        }
    }
}
