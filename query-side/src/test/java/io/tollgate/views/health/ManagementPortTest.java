package io.tollgate.views.health;

import io.tollgate.views.QuerySideTestBase;
import io.tollgate.views.testing.ViewsHttp;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14 item 6, on the query side: its actuator, Prometheus and OpenAPI document and UI are on the
 * management port, bound to loopback by default, and not on the port that serves the read API.
 */
class ManagementPortTest extends QuerySideTestBase {
    @Autowired
    Environment environment;

    @Test
    void theReadApiPortServesNeitherTheActuatorNorTheApiDocuments() {
        for (String path : List.of("/actuator", "/actuator/health", "/actuator/prometheus", "/v3/api-docs",
                "/swagger-ui/index.html")) {
            var reply = ViewsHttp.withHeaders(port(), Map.of()).get(path);
            assertThat(reply.status()).as(path + ": " + reply.body()).isIn(401, 403, 404);
            assertThat(reply.body()).as(path).doesNotContain("tollgate_views").doesNotContain("\"openapi\"")
                    .doesNotContain("Swagger UI").doesNotContain("\"UP\"");
        }
    }

    @Test
    void theManagementPortServesThemOnLoopback() {
        assertThat(managementPort()).isPositive().isNotEqualTo(port());
        assertThat(environment.getProperty("management.server.address")).isEqualTo("127.0.0.1");
        var management = ViewsHttp.withHeaders(managementPort(), Map.of());

        assertThat(management.get("/actuator/health/readiness").status()).isEqualTo(200);
        assertThat(management.get("/actuator/prometheus", "text/plain").body()).contains("tollgate_views_consumer_lag");
        assertThat(management.get("/actuator/openapi").body()).contains("\"openapi\"").contains("/api/views/");
        assertThat(management.get("/actuator/swagger-ui/index.html").body()).contains("Swagger UI");
    }
}
