package io.tollgate.gateway;

import io.tollgate.ledger.LedgerConfiguration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

@SpringBootApplication
@ConfigurationPropertiesScan
@Import(LedgerConfiguration.class)
public class GatewayApplication {

    public static void main(String[] args) {
        builder().run(args);
    }

    /** The app as main starts it; tests that host several apps in one JVM start it the same way. */
    public static SpringApplicationBuilder builder() {
        // No Axon Server, no AxonIQ Console, no update checks: nothing here reaches out to the internet.
        System.setProperty("axoniq.update-checker.disabled", "true");
        System.setProperty("disable-axoniq-console-message", "true");
        return new SpringApplicationBuilder(GatewayApplication.class)
                .properties("spring.config.name=gateway");
    }
}
