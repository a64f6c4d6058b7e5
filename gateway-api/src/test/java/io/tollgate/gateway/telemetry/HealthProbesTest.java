package io.tollgate.gateway.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
import org.axonframework.serialization.SerializedObject;
import org.axonframework.serialization.Serializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.health.Status;
import org.springframework.jdbc.core.JdbcTemplate;

import javax.sql.DataSource;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Liveness and readiness over real HTTP, and each readiness member against the real database and
 * broker: the publication backlog measured from a publisher token written into the event store's
 * token table, Kafka asked at an address where no broker listens.
 */
class HealthProbesTest extends GatewayTestBase {
    @Autowired
    DataSource dataSource;
    @Autowired
    Serializer serializer;

    @Test
    void livenessIsTheProcessAndReadinessIncludesDatabaseKafkaAndThePublicationBacklog() {
        var liveness = new GatewayHttp(managementUrl(), ADMIN_KEY).get("/actuator/health/liveness", null);
        assertThat(liveness.status()).as(liveness.body()).isEqualTo(200);
        assertThat(liveness.json().path("status").asText()).isEqualTo("UP");

        var readiness = new GatewayHttp(managementUrl(), ADMIN_KEY).get("/actuator/health/readiness", null);
        assertThat(readiness.status()).as(readiness.body()).isEqualTo(200);
        JsonNode components = readiness.json().path("components");
        assertThat(components.fieldNames()).toIterable()
                .containsExactlyInAnyOrder("readinessState", "db", "kafka", "ledgerPublication", "ledger");
        assertThat(components).allSatisfy(component ->
                assertThat(component.path("status").asText()).isEqualTo("UP"));
    }

    @Test
    void theBacklogIsTheEventsBehindThePublishersTokenAndReadinessGoesOutOfServiceAboveTheThreshold() {
        var jdbc = new JdbcTemplate(dataSource);
        String publisher = "backlog-test-" + UUID.randomUUID();
        Long head = jdbc.queryForObject("select max(global_index) from ledger.domain_event_entry", Long.class);
        assertThat(head).as("the shared test store has events by now").isNotNull().isGreaterThan(10);
        SerializedObject<byte[]> token = serializer.serialize(new GlobalSequenceTrackingToken(head - 10), byte[].class);
        jdbc.update("insert into ledger.token_entry (processor_name, segment, token, token_type, timestamp, owner) "
                        + "values (?, 0, ?, ?, ?, null)",
                publisher, token.getData(), token.getType().getName(), Instant.now().toString());
        try {
            var backlog = new PublicationBacklog(jdbc, serializer, publisher, Duration.ZERO);
            // Others may append meanwhile: at least the ten events behind the token.
            assertThat(backlog.events()).isGreaterThanOrEqualTo(10);
            assertThat(new PublicationBacklogHealthIndicator(backlog, 5).health().getStatus())
                    .isEqualTo(Status.OUT_OF_SERVICE);
            assertThat(new PublicationBacklogHealthIndicator(backlog, 1_000_000).health().getStatus())
                    .isEqualTo(Status.UP);

            jdbc.update("update ledger.token_entry set token = ? where processor_name = ?",
                    serializer.serialize(new GlobalSequenceTrackingToken(Long.MAX_VALUE / 2), byte[].class).getData(),
                    publisher);
            assertThat(backlog.events()).as("a publisher ahead of the head has nothing to publish").isZero();
        } finally {
            jdbc.update("delete from ledger.token_entry where processor_name = ?", publisher);
        }
        assertThat(new PublicationBacklog(jdbc, serializer, publisher, Duration.ZERO).events())
                .as("a publisher without a token has published nothing")
                .isGreaterThanOrEqualTo(head);
    }

    @Test
    void kafkaIsDownWhereNoBrokerAnswersAndUpAtTheRealOne() {
        var nowhere = new KafkaHealthIndicator(Map.of("bootstrap.servers", "127.0.0.1:1"),
                Duration.ofMillis(500), Duration.ofMinutes(1));
        var real = new KafkaHealthIndicator(Map.of("bootstrap.servers", bootstrap()),
                Duration.ofSeconds(5), Duration.ofMinutes(1));
        try {
            assertThat(nowhere.health().getStatus()).isEqualTo(Status.DOWN);
            var up = real.health();
            assertThat(up.getStatus()).isEqualTo(Status.UP);
            assertThat(up.getDetails()).containsKey("clusterId");
            assertThat(real.health()).as("cached for its time to live").isSameAs(up);
        } finally {
            nowhere.destroy();
            real.destroy();
        }
    }

    private static String bootstrap() {
        String env = System.getenv("TOLLGATE_KAFKA_BOOTSTRAP");
        return env != null ? env : "127.0.0.1:9092";
    }
}
