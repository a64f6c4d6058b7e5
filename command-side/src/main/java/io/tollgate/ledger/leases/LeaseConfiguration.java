package io.tollgate.ledger.leases;

import io.tollgate.ledger.api.CreditLeases;
import io.tollgate.events.support.EventIds;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(LeaseProperties.class)
public class LeaseConfiguration {

    @Bean
    CreditLeases creditLeases(CommandGateway commandGateway, LeaseProperties properties) {
        String instanceId = properties.instanceId().isBlank() ? "gw-" + EventIds.next() : properties.instanceId();
        return new AxonCreditLeases(commandGateway, instanceId, properties.answerTimeout());
    }
}
