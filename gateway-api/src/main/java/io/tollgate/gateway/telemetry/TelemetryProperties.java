package io.tollgate.gateway.telemetry;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;
import java.util.Set;

/**
 * @param backlogRefresh            how long a measured publication backlog is reused before the event store
 *                                  is asked again (scrapes and probes never cost more than one query per period)
 * @param backlogReadinessThreshold readiness is OUT_OF_SERVICE while more events than this wait to be published
 * @param kafkaHealthTimeout        how long the Kafka health check waits for the broker's answer
 * @param kafkaHealthCacheTtl       how long a Kafka health answer is reused
 * @param tracedPaths               the POST endpoints whose requests are traced as {@code tollgate.ingest}
 */
@ConfigurationProperties("tollgate.telemetry")
record TelemetryProperties(@DefaultValue("5s") Duration backlogRefresh,
                                  @DefaultValue("10000") long backlogReadinessThreshold,
                                  @DefaultValue("2s") Duration kafkaHealthTimeout,
                                  @DefaultValue("10s") Duration kafkaHealthCacheTtl,
                                  @DefaultValue({"/v1/chat/completions", "/v1/messages", "/v1/embeddings",
                                          "/v1/images/generations", "/api/v2/chat/completions", "/api/v2/chat",
                                          "/api/v2/embeddings", "/api/v2/image"}) Set<String> tracedPaths) {
}
