package io.tollgate.views;

import io.tollgate.events.support.Topics;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param internalToken   the shared secret the gateway sends in X-Tollgate-Internal-Token; required
 * @param maxPollRecords  the live consumer's batch size: one transaction and a few statements per batch
 * @param dedupeWindow    how many of the latest event ids per partition are remembered to tell a close
 *                        at-least-once duplicate from a new event (about 24 bytes each); must be the same
 *                        for the live consumer and `tollgate replay` for the two to agree row for row
 * @param fetchMaxWait    how long the broker may hold a fetch back to fill it (fewer, fuller transactions)
 */
@ConfigurationProperties("tollgate.views")
public record ViewsProperties(@DefaultValue(Topics.LEDGER) String topic,
                              @DefaultValue("tollgate-views") String consumerGroup,
                              String internalToken,
                              @DefaultValue("2000") int maxPollRecords,
                              @DefaultValue("100000") int dedupeWindow,
                              @DefaultValue("100ms") java.time.Duration fetchMaxWait) {
    public static final int DEFAULT_DEDUPE_WINDOW = 100_000;
}
