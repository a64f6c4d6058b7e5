package io.tollgate.views.projection;

import io.tollgate.events.Topics;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param internalToken   the shared secret the gateway sends in X-Tollgate-Internal-Token; required
 * @param maxPollRecords  the live consumer's batch size: one transaction and a few statements per batch
 */
@ConfigurationProperties("tollgate.views")
public record ViewsProperties(@DefaultValue(Topics.LEDGER) String topic,
                              @DefaultValue("tollgate-views") String consumerGroup,
                              String internalToken,
                              @DefaultValue("2000") int maxPollRecords) {
}
