package io.tollgate.views;

import io.tollgate.views.testing.LedgerPublisher;
import io.tollgate.views.testing.LedgerTopic;
import io.tollgate.views.testing.ViewsHttp;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import io.tollgate.views.projection.LiveLedgerConsumer;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.junit.jupiter.SpringExtension;

import java.time.Duration;
import java.util.UUID;

import static org.awaitility.Awaitility.await;

/**
 * One query side on a random loopback port, on the real PostgreSQL (database tollgate_test) and the real
 * Kafka broker. Every test class shares this one context, and so one ledger topic and one consumer group
 * per test JVM: what the views show is what this run published. Subclasses must not add configuration,
 * or a second context would join the same group and take partitions away from the first.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.config.name=query-side",
        "spring.datasource.url=${TOLLGATE_TEST_DB_URL:jdbc:postgresql://127.0.0.1:5432/tollgate_test}",
        "tollgate.views.internal-token=" + ViewsHttp.INTERNAL_TOKEN,
        "logging.level.org.apache.kafka=WARN"})
@ExtendWith(QuerySideTestBase.LedgerTopicCleanup.class)
// Metrics export is off in tests by default; the freshness metrics are part of what is tested.
@AutoConfigureObservability(tracing = false)
public abstract class QuerySideTestBase {
    protected static final String TOPIC = "tollgate.ledger.views-test." + UUID.randomUUID();
    protected static final String CONSUMER_GROUP = "tollgate-views-test." + UUID.randomUUID();

    private static LedgerPublisher publisher;

    @LocalServerPort
    int port;
    @LocalManagementPort
    int managementPort;

    @DynamicPropertySource
    static void ledger(DynamicPropertyRegistry registry) {
        // Runs while the context is being prepared, before any listener subscribes; the broker does not
        // auto-create topics.
        LedgerTopic.create(TOPIC);
        registry.add("tollgate.views.topic", () -> TOPIC);
        registry.add("tollgate.views.consumer-group", () -> CONSUMER_GROUP);
    }

    /** The read API as an admin (any account). */
    protected ViewsHttp views() {
        return new ViewsHttp(port);
    }

    /** The read API as the user of one account. */
    protected ViewsHttp viewsAs(String accountId) {
        return ViewsHttp.asUser(port, accountId);
    }

    protected int port() {
        return port;
    }

    /** The management port: actuator, Prometheus, OpenAPI; not the read API's. */
    protected int managementPort() {
        return managementPort;
    }

    protected static synchronized LedgerPublisher ledger() {
        if (publisher == null) {
            publisher = new LedgerPublisher(TOPIC);
        }
        return publisher;
    }

    /** How long a projection may take: the first test also waits for the consumer group to form. */
    protected static ConditionFactory eventually() {
        return await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(100));
    }

    /**
     * Deletes the topic and the consumer group once, after the last test class of the run: the listener
     * is stopped first so that it does not poll a deleted topic while the cached context waits for the
     * JVM to exit.
     */
    static final class LedgerTopicCleanup implements BeforeAllCallback {
        private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LedgerTopicCleanup.class);

        @Override
        public void beforeAll(ExtensionContext context) {
            LiveLedgerConsumer listener =
                    SpringExtension.getApplicationContext(context).getBean(LiveLedgerConsumer.class);
            context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(TOPIC,
                    topic -> (ExtensionContext.Store.CloseableResource) () -> {
                        listener.stop();
                        synchronized (QuerySideTestBase.class) {
                            if (publisher != null) {
                                publisher.close();
                                publisher = null;
                            }
                        }
                        LedgerTopic.delete(TOPIC, CONSUMER_GROUP);
                    });
        }
    }
}
