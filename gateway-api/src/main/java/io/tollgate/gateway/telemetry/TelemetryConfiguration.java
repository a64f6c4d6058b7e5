package io.tollgate.gateway.telemetry;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.tracing.Tracer;
import io.tollgate.ledger.api.CommitHealth;
import io.tollgate.ledger.api.LedgerTopicProperties;
import org.axonframework.serialization.Serializer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.kafka.KafkaProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.DependsOn;
import org.springframework.jdbc.core.JdbcTemplate;

import javax.sql.DataSource;

/**
 * Metrics, traces and health beyond what Spring Boot's actuator gives by itself: usage metrics from
 * the request events, the publication backlog (gauge and readiness), Kafka's health, the request
 * path's spans.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(TelemetryProperties.class)
class TelemetryConfiguration {
    public static final String BACKLOG_GAUGE = "tollgate.ledger.publication.backlog";

    @Bean
    @DependsOn("ledgerFlyway")
    PublicationBacklog publicationBacklog(DataSource dataSource, Serializer serializer,
                                          LedgerTopicProperties ledger, TelemetryProperties properties) {
        return new PublicationBacklog(new JdbcTemplate(dataSource), serializer, ledger.publisherName(),
                properties.backlogRefresh());
    }

    @Bean
    MeterBinder publicationBacklogGauge(PublicationBacklog backlog) {
        return registry -> Gauge.builder(BACKLOG_GAUGE, backlog, PublicationBacklog::events)
                .description("Events in the ledger's event store that are not yet published to Kafka")
                .baseUnit("events")
                .strongReference(true)
                .register(registry);
    }

    /** Health component {@code ledgerPublication}: in the readiness group. */
    @Bean
    PublicationBacklogHealthIndicator ledgerPublicationHealthIndicator(PublicationBacklog backlog,
                                                                       TelemetryProperties properties) {
        return new PublicationBacklogHealthIndicator(backlog, properties.backlogReadinessThreshold());
    }

    /** Health component {@code ledger}: in the readiness group. */
    @Bean
    LedgerHealthIndicator ledgerHealthIndicator(CommitHealth commitHealth) {
        return new LedgerHealthIndicator(commitHealth);
    }

    /** Health component {@code kafka}: in the readiness group. */
    @Bean
    KafkaHealthIndicator kafkaHealthIndicator(KafkaProperties kafka, TelemetryProperties properties) {
        return new KafkaHealthIndicator(kafka.buildAdminProperties(null), properties.kafkaHealthTimeout(),
                properties.kafkaHealthCacheTtl());
    }

    /** With no tracer (tracing turned off), the steps are no-ops. */
    @Bean
    RequestTracing requestTracing(ObjectProvider<Tracer> tracer) {
        return new RequestTracing(tracer.getIfAvailable(() -> Tracer.NOOP));
    }

    /** Ordered with the edge's other filters by the gateway's filter chain configuration. */
    @Bean
    RequestTracingFilter requestTracingFilter(RequestTracing tracing, TelemetryProperties properties) {
        return new RequestTracingFilter(tracing, properties.tracedPaths());
    }
}
