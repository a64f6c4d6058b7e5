package io.tollgate.ledger;

import io.tollgate.ledger.api.Ledger;
import io.tollgate.ledger.commit.CommitConfiguration;
import io.tollgate.ledger.expiry.ExpiryConfiguration;
import io.tollgate.ledger.leases.LeaseConfiguration;
import io.tollgate.ledger.processing.ProcessingConfiguration;
import io.tollgate.ledger.publishing.PublishingConfiguration;
import io.tollgate.ledger.requests.RequestLogConfiguration;
import io.tollgate.ledger.store.LedgerStoreConfiguration;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Import this to host the command side in a Spring Boot app. It registers the aggregates itself (they are
 * package-private), so that the host knows only the ledger's API, {@code io.tollgate.ledger.api}: the beans
 * {@link Ledger}, {@code CreditLeases}, {@code RequestEventLog} and {@code CommitHealth}.
 */
@Configuration(proxyBeanMethods = false)
@Import({LedgerStoreConfiguration.class, CommitConfiguration.class, PublishingConfiguration.class,
        ExpiryConfiguration.class, RequestLogConfiguration.class, LeaseConfiguration.class,
        ProcessingConfiguration.class})
@ComponentScan({"io.tollgate.ledger.credits", "io.tollgate.ledger.rates", "io.tollgate.ledger.audit"})
public class LedgerConfiguration {

    @Bean
    Ledger ledger(CommandGateway commandGateway) {
        return new CommandGatewayLedger(commandGateway);
    }
}
