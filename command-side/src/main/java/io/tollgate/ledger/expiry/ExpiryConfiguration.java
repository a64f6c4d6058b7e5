package io.tollgate.ledger.expiry;

import io.tollgate.ledger.leases.LeaseProperties;
import io.tollgate.ledger.processing.BoundedRetryTrackingProcessor;
import io.tollgate.ledger.processing.DeadLetteringErrorHandler;
import io.tollgate.ledger.processing.LedgerDeadLetters;
import io.tollgate.ledger.requests.LeaseTally;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.TrackingEventProcessorConfiguration;
import org.axonframework.serialization.Serializer;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.DependsOn;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.EnableScheduling;

import javax.sql.DataSource;

/**
 * The expiry schedule, the processor that keeps it and the sweeper that acts on it. Enables Spring's
 * scheduling for the whole application that hosts the command side.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
@EnableConfigurationProperties(ExpiryProperties.class)
public class ExpiryConfiguration {
    /** Events per processor transaction; large, so that catching up with a long log is quick. */
    private static final int PROJECTION_BATCH_SIZE = 500;

    /** The table comes with the ledger's Flyway migrations. */
    @Bean
    @DependsOn("ledgerFlyway")
    ExpirySchedule expirySchedule(DataSource dataSource) {
        return new ExpirySchedule(new JdbcTemplate(dataSource));
    }

    @Bean
    ExpiryScheduleProjection expiryScheduleProjection(ExpirySchedule expirySchedule, LeaseProperties leases) {
        return new ExpiryScheduleProjection(expirySchedule, leases.settleGrace());
    }

    /**
     * One thread, one segment: the schedule is small work per event. Handler failures propagate, so
     * the batch rolls back and is retried (waits bounded, see {@link BoundedRetryTrackingProcessor}) rather
     * than skipped (Axon's default would log and go on, and lose the entry); an event that cannot be read
     * becomes a dead letter.
     */
    @Bean
    ConfigurerModule expiryScheduleProcessor(LedgerDeadLetters deadLetters,
                                             @Qualifier("eventSerializer") Serializer eventSerializer) {
        return configurer -> configurer.eventProcessing(processing -> processing
                .registerEventProcessor(ExpiryScheduleProjection.PROCESSING_GROUP,
                        BoundedRetryTrackingProcessor.onEventStore(
                                TrackingEventProcessorConfiguration.forSingleThreadedProcessing()
                                        .andBatchSize(PROJECTION_BATCH_SIZE)))
                .registerListenerInvocationErrorHandler(ExpiryScheduleProjection.PROCESSING_GROUP,
                        axon -> new DeadLetteringErrorHandler(ExpiryScheduleProjection.PROCESSING_GROUP, deadLetters,
                                eventSerializer)));
    }

    @Bean
    ExpirySweeper expirySweeper(ExpirySchedule expirySchedule, DataSource dataSource, CommandGateway commandGateway,
                                LeaseTally leaseTally, ExpiryProperties properties) {
        return new ExpirySweeper(expirySchedule, new SweepLock(dataSource), commandGateway, leaseTally,
                properties.batchSize());
    }
}
