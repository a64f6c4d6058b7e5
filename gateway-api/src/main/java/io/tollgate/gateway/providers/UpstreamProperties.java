package io.tollgate.gateway.providers;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/** @param responseTimeout until the provider's response headers arrive (streams may then run longer) */
@ConfigurationProperties("tollgate.upstream")
public record UpstreamProperties(@DefaultValue("10s") Duration connectTimeout,
                                 @DefaultValue("120s") Duration responseTimeout) {
}
