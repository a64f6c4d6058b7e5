package io.tollgate.ledger.testing;

import io.tollgate.ledger.LedgerConfiguration;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

import java.util.UUID;

/**
 * The command side alone, as the gateway hosts it, on the real PostgreSQL (tollgate_test) and Kafka.
 * Several may run in one JVM: each is an instance with its own cache and commit shards.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(LedgerConfiguration.class)
public class LedgerTestApplication {

    public static ConfigurableApplicationContext start(String topic, String... extraArguments) {
        System.setProperty("axoniq.update-checker.disabled", "true");
        System.setProperty("disable-axoniq-console-message", "true");
        String[] arguments = new String[6 + extraArguments.length];
        arguments[0] = "--spring.datasource.url=" + env("TOLLGATE_TEST_DB_URL", "jdbc:postgresql://127.0.0.1:5432/tollgate_test");
        arguments[1] = "--spring.datasource.username=tollgate";
        arguments[2] = "--spring.datasource.password=tollgate";
        arguments[3] = "--spring.kafka.bootstrap-servers=" + env("TOLLGATE_KAFKA_BOOTSTRAP", "127.0.0.1:9092");
        arguments[4] = "--tollgate.ledger.topic=" + topic;
        arguments[5] = "--spring.application.name=ledger-test-" + UUID.randomUUID();
        System.arraycopy(extraArguments, 0, arguments, 6, extraArguments.length);
        return new SpringApplicationBuilder(LedgerTestApplication.class)
                .web(WebApplicationType.NONE)
                .properties("axon.axonserver.enabled=false", "axon.serializer.general=jackson",
                        "axon.serializer.events=jackson", "axon.serializer.messages=jackson",
                        "spring.flyway.enabled=false", "tollgate.ledger.partitions=2",
                        "spring.datasource.hikari.maximum-pool-size=20",
                        // Its own publisher that starts at the newest event: it publishes what this test writes.
                        "tollgate.ledger.publisher-name=kafka-publisher-test-" + UUID.randomUUID(),
                        "tollgate.ledger.publish-from-start=false")
                .run(arguments);
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
