package io.tollgate.views.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.views.QuerySideTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.test.web.server.LocalManagementPort;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The query side's probes over real HTTP (its management port): liveness is the process, readiness adds PostgreSQL and Kafka. */
class HealthProbesTest extends QuerySideTestBase {
    @LocalManagementPort
    int localPort;

    @Test
    void livenessIsTheProcessAndReadinessIncludesDatabaseAndKafka() throws Exception {
        HttpResponse<String> liveness = get("/actuator/health/liveness");
        assertThat(liveness.statusCode()).as(liveness.body()).isEqualTo(200);

        HttpResponse<String> readiness = get("/actuator/health/readiness");
        assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(200);
        JsonNode components = new ObjectMapper().readTree(readiness.body()).path("components");
        assertThat(components.fieldNames()).toIterable().containsExactlyInAnyOrder("readinessState", "db", "kafka");
        assertThat(components).allSatisfy(c -> assertThat(c.path("status").asText()).isEqualTo("UP"));
    }

    @Test
    void kafkaIsDownWhereNoBrokerAnswers() {
        var nowhere = new KafkaHealthConfiguration.KafkaHealthIndicator(Map.of("bootstrap.servers", "127.0.0.1:1"),
                Duration.ofMillis(500), Duration.ofMinutes(1));
        try {
            assertThat(nowhere.health().getStatus()).isEqualTo(Status.DOWN);
        } finally {
            nowhere.destroy();
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + localPort + path)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }
}
