package io.tollgate.gateway;

import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.InMemorySpans;
import io.tollgate.gateway.testing.LedgerTopicReader;
import io.tollgate.gateway.testing.TestIdentity;
import org.junit.jupiter.api.AfterAll;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.util.UUID;

/**
 * One gateway on a random loopback port, on the real PostgreSQL (database tollgate_test) and the real
 * Kafka broker that ./tollgate starts. Every test class shares this one context.
 */
// Metrics and traces as in production (Spring Boot's tests otherwise swap Prometheus for a simple registry
// and turn tracing off); every span sampled, and kept in memory for the telemetry tests.
@AutoConfigureObservability
@Import(InMemorySpans.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        // On although no OTLP endpoint is set (TracingOnlyWithExporter): the spans go to InMemorySpans.
        "management.tracing.enabled=true",
        "management.tracing.sampling.probability=1.0",
        "management.tracing.opentelemetry.export.schedule-delay=50ms",
        "spring.config.name=gateway",
        "spring.datasource.url=${TOLLGATE_TEST_DB_URL:jdbc:postgresql://127.0.0.1:5432/tollgate_test}",
        "tollgate.vault.master-key=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "tollgate.bootstrap.admin-key=" + GatewayTestBase.ADMIN_KEY,
        "tollgate.ledger.partitions=2",
        "tollgate.ledger.batch-size=50",
        // Its own publisher that starts at the newest event: it publishes what these tests write.
        "tollgate.ledger.publisher-name=kafka-publisher-gateway-test-${random.uuid}",
        "tollgate.ledger.publish-from-start=false"})
public abstract class GatewayTestBase {
    public static final String ADMIN_KEY = "tg-test-admin-key-0123456789abcdef";
    /** A topic per test JVM, so that what a test reads is what this run published. */
    static final String TOPIC = "tollgate.ledger.gateway-test." + UUID.randomUUID();

    private static LedgerTopicReader ledger;

    @LocalServerPort
    int port;
    @LocalManagementPort
    int managementPort;

    @DynamicPropertySource
    static void topic(DynamicPropertyRegistry registry) {
        registry.add("tollgate.ledger.topic", () -> TOPIC);
        // The OAuth2 issuer and query side stand-in of the identity tests (a loopback WireMock per JVM).
        TestIdentity.gatewayProperties().forEach((name, value) -> registry.add(name, () -> value));
    }

    protected GatewayHttp gateway() {
        return new GatewayHttp(baseUrl(), ADMIN_KEY);
    }

    protected String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** The public port, for tests that speak HTTP over a socket of their own. */
    protected int publicPort() {
        return port;
    }

    /** The management port (actuator, Prometheus, OpenAPI): not the public one. */
    protected String managementUrl() {
        return "http://127.0.0.1:" + managementPort;
    }

    protected static synchronized LedgerTopicReader ledger() {
        if (ledger == null) {
            ledger = new LedgerTopicReader(bootstrapServers(), TOPIC);
        }
        return ledger;
    }

    static String bootstrapServers() {
        String env = System.getenv("TOLLGATE_KAFKA_BOOTSTRAP");
        return env != null ? env : "127.0.0.1:9092";
    }

    @AfterAll
    static synchronized void closeLedger() {
        if (ledger != null) {
            ledger.close();
            ledger = null;
        }
    }
}
