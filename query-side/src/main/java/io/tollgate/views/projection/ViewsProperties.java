package io.tollgate.views.projection;

import io.tollgate.events.Topics;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

@ConfigurationProperties("tollgate.views")
public record ViewsProperties(@DefaultValue(Topics.LEDGER) String topic,
                              @DefaultValue("tollgate-views") String consumerGroup) {
}
