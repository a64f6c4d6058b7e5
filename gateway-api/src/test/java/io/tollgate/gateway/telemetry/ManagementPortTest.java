package io.tollgate.gateway.telemetry;

import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.core.env.Environment;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14 item 6: the actuator (health details, Prometheus) and the OpenAPI document and UI are not on the
 * public port. They are served on the management port, bound to loopback by default; the public port keeps a
 * bare status for load balancers and the dashboard.
 */
class ManagementPortTest extends GatewayTestBase {
    @LocalManagementPort
    int managementPort;
    @Autowired
    Environment environment;

    @Test
    void thePublicPortServesNeitherTheActuatorNorTheApiDocuments() {
        var publicPort = gateway();
        for (String path : List.of("/actuator", "/actuator/health", "/actuator/health/readiness", "/actuator/prometheus",
                "/actuator/env", "/v3/api-docs", "/swagger-ui/index.html", "/swagger-ui.html")) {
            var reply = publicPort.get(path, null);
            assertThat(reply.status()).as(path + ": " + reply.body()).isIn(401, 403, 404);
            assertThat(reply.body()).as(path).doesNotContain("tollgate_").doesNotContain("\"openapi\"")
                    .doesNotContain("Swagger UI").doesNotContain("\"components\"");
        }
    }

    @Test
    void theManagementPortServesThemOnLoopback() {
        assertThat(managementPort).isPositive().isNotEqualTo(publicPort());
        assertThat(environment.getProperty("management.server.address")).isEqualTo("127.0.0.1");
        var management = new GatewayHttp(managementUrl(), ADMIN_KEY);

        var readiness = management.get("/actuator/health/readiness", null);
        var prometheus = management.get("/actuator/prometheus", null);
        var apiDocs = management.get("/actuator/openapi", null);
        var swagger = management.get("/actuator/swagger-ui/index.html", null);

        assertThat(readiness.status()).as(readiness.body()).isEqualTo(200);
        assertThat(readiness.json().path("components").has("db")).isTrue();
        assertThat(prometheus.status()).isEqualTo(200);
        assertThat(prometheus.body()).contains("jvm_memory_used_bytes");
        assertThat(apiDocs.status()).as(apiDocs.body()).isEqualTo(200);
        assertThat(apiDocs.body()).contains("\"openapi\"").contains("/v1/chat/completions");
        assertThat(swagger.status()).isEqualTo(200);
        assertThat(swagger.body()).contains("Swagger UI");
    }

    @Test
    void thePublicPortKeepsABareStatus() {
        var status = gateway().get("/healthz", null);

        assertThat(status.status()).as(status.body()).isEqualTo(200);
        assertThat(status.json().path("status").asText()).isEqualTo("UP");
        assertThat(status.json().has("components")).isFalse();
    }
}
