package io.tollgate.gateway.responses;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * @param retention          how long a stored response (and its input items) is kept after it was created
 * @param cleanupInterval    how often expired responses are deleted
 * @param maxConversationTurns the longest chain of previous_response_id a request may continue
 */
@ConfigurationProperties("tollgate.responses")
record ResponsesProperties(@DefaultValue("30d") Duration retention,
                                  @DefaultValue("1h") Duration cleanupInterval,
                                  @DefaultValue("1000") int maxConversationTurns) {
}
