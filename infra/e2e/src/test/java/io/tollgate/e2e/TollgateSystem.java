package io.tollgate.e2e;

import io.tollgate.gateway.GatewayApplication;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.mock.MockProvider;
import io.tollgate.mock.MockProviderConfig;
import io.tollgate.views.QuerySideApplication;
import org.springframework.context.ConfigurableApplicationContext;

import java.util.UUID;

/**
 * The whole system in one JVM, on random loopback ports, the real PostgreSQL and the real broker: the mock
 * provider, the query side and the gateway (which forwards /api/views/** to it), on a topic of their own.
 * Command-line arguments, so that they win over each app's own configuration file.
 */
final class TollgateSystem implements AutoCloseable {
    private static final String DB_URL = env("TOLLGATE_TEST_DB_URL", "jdbc:postgresql://127.0.0.1:5432/tollgate_test");
    private static final String KAFKA = env("TOLLGATE_KAFKA_BOOTSTRAP", "127.0.0.1:9092");

    final String adminKey;
    /** The secret the gateway forwards the views API with; the query side answers nothing without it. */
    final String viewsToken;
    final MockProvider mock;
    final String gatewayUrl;
    final String viewsUrl;
    final GatewayHttp gateway;
    private final ConfigurableApplicationContext queryApp;
    private final ConfigurableApplicationContext gatewayApp;

    private TollgateSystem(String name, MockProviderConfig mockConfig) {
        String topic = "tollgate.ledger." + name + "." + UUID.randomUUID();
        adminKey = "tg-" + name + "-admin-" + UUID.randomUUID();
        viewsToken = name + "-internal-" + UUID.randomUUID();
        mock = MockProvider.start(mockConfig.withPort(0));
        queryApp = QuerySideApplication.builder().run(
                "--server.port=0",
                "--management.server.port=0",
                "--spring.datasource.url=" + DB_URL,
                "--spring.kafka.bootstrap-servers=" + KAFKA,
                "--tollgate.views.topic=" + topic,
                "--tollgate.views.consumer-group=" + name + "-" + UUID.randomUUID(),
                "--tollgate.views.internal-token=" + viewsToken);
        viewsUrl = "http://127.0.0.1:" + queryApp.getEnvironment().getProperty("local.server.port");
        gatewayApp = GatewayApplication.builder().run(
                "--server.port=0",
                "--management.server.port=0",
                "--spring.datasource.url=" + DB_URL,
                "--spring.kafka.bootstrap-servers=" + KAFKA,
                "--tollgate.vault.master-key=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                "--tollgate.bootstrap.admin-key=" + adminKey,
                "--tollgate.ledger.topic=" + topic,
                "--tollgate.ledger.partitions=2",
                "--tollgate.ledger.publisher-name=kafka-publisher-" + name + "-" + UUID.randomUUID(),
                "--tollgate.ledger.publish-from-start=false",
                "--tollgate.views.base-url=" + viewsUrl,
                "--tollgate.views.internal-token=" + viewsToken);
        gatewayUrl = "http://127.0.0.1:" + gatewayApp.getEnvironment().getProperty("local.server.port");
        gateway = new GatewayHttp(gatewayUrl, adminKey);
    }

    /** @param name names the run's topic, keys and consumer group, e.g. "e2e" */
    static TollgateSystem start(String name, MockProviderConfig mockConfig) {
        return new TollgateSystem(name, mockConfig);
    }

    @Override
    public void close() {
        gatewayApp.close();
        queryApp.close();
        mock.close();
    }

    static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value != null ? value : fallback;
    }
}
