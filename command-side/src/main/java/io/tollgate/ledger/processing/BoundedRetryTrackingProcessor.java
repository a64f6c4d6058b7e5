package io.tollgate.ledger.processing;

import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.config.EventProcessingConfigurer;
import org.axonframework.eventhandling.EventProcessorSpanFactory;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingEventProcessor;
import org.axonframework.eventhandling.TrackingEventProcessorConfiguration;
import org.axonframework.messaging.StreamableMessageSource;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A tracking processor whose retries after a failure wait at most {@link #MAX_RETRY_WAIT}. Axon doubles the wait
 * after every failed attempt up to a minute, so after a database or broker outage of half a minute or more a
 * processor would sit idle for up to a minute after the outage ended; with this bound it resumes within
 * {@code MAX_RETRY_WAIT} (plus the attempt itself). Axon's {@code doSleepFor} serves its retry waits and the
 * pause between attempts to claim a segment (5 s by default, unchanged by this bound); nothing else.
 * Axon still logs the uncapped wait ("retry in 16s"). {@code PublicationRecoveryTest} pins the behaviour, so an
 * Axon upgrade that moves the waits elsewhere fails it.
 */
public final class BoundedRetryTrackingProcessor extends TrackingEventProcessor {
    static final Duration MAX_RETRY_WAIT = Duration.ofSeconds(5);

    private BoundedRetryTrackingProcessor(Builder builder) {
        super(builder);
    }

    /**
     * A builder for {@link EventProcessingConfigurer#registerEventProcessor}: the processor Axon's
     * {@code registerTrackingEventProcessor} would build on the event store, with bounded retry waits.
     */
    public static EventProcessingConfigurer.EventProcessorBuilder onEventStore(TrackingEventProcessorConfiguration configuration) {
        return (name, axon, eventHandlerInvoker) -> {
            EventProcessingConfiguration processing = axon.eventProcessingConfiguration();
            @SuppressWarnings("unchecked")
            var store = (StreamableMessageSource<TrackedEventMessage<?>>) (StreamableMessageSource<?>) axon.eventStore();
            return new BoundedRetryTrackingProcessor(TrackingEventProcessor.builder()
                    .name(name)
                    .eventHandlerInvoker(eventHandlerInvoker)
                    .rollbackConfiguration(processing.rollbackConfiguration(name))
                    .errorHandler(processing.errorHandler(name))
                    .messageMonitor(processing.messageMonitor(TrackingEventProcessor.class, name))
                    .messageSource(store)
                    .tokenStore(processing.tokenStore(name))
                    .transactionManager(processing.transactionManager(name))
                    .trackingEventProcessorConfiguration(configuration)
                    .spanFactory(axon.getComponent(EventProcessorSpanFactory.class)));
        };
    }

    @Override
    protected void doSleepFor(long millisToSleep) {
        super.doSleepFor(Math.min(millisToSleep, MAX_RETRY_WAIT.toMillis()));
    }

    @Override
    protected void doSleepFor(long millisToSleep, AtomicBoolean interruptionFlag) {
        super.doSleepFor(Math.min(millisToSleep, MAX_RETRY_WAIT.toMillis()), interruptionFlag);
    }
}
