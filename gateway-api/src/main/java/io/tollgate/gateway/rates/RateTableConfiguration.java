package io.tollgate.gateway.rates;

import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.PropagatingErrorHandler;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The rate table is written by a subscribing processor, not a tracking one: its handler runs on the
 * command's thread, in the command's transaction, before the commit. A failing write propagates and
 * fails the command, so no rate event is stored without its row (Axon's default would log and go on).
 */
@Configuration(proxyBeanMethods = false)
class RateTableConfiguration {

    @Bean
    ConfigurerModule rateTableProcessor() {
        return configurer -> configurer.eventProcessing(processing -> processing
                .registerSubscribingEventProcessor(RateTableProjection.PROCESSING_GROUP)
                .registerListenerInvocationErrorHandler(RateTableProjection.PROCESSING_GROUP,
                        axon -> PropagatingErrorHandler.instance()));
    }
}
