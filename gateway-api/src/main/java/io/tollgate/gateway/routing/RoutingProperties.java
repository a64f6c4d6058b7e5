package io.tollgate.gateway.routing;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * @param breakerWindow             how many recent calls of a deployment its breaker judges
 * @param breakerMinimumCalls       calls needed before the breaker may open
 * @param breakerFailureRatePercent failure rate (429, 5xx, timeouts) that opens the breaker
 * @param breakerOpenFor            how long an open breaker skips its deployment before one probe call
 */
@ConfigurationProperties("tollgate.routing")
record RoutingProperties(@DefaultValue("20") int breakerWindow,
                                @DefaultValue("10") int breakerMinimumCalls,
                                @DefaultValue("50") float breakerFailureRatePercent,
                                @DefaultValue("30s") Duration breakerOpenFor) {
}
