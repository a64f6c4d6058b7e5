package io.tollgate.views.apidocs;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The views API's OpenAPI document, served by springdoc on the management port at {@code /actuator/openapi}
 * (Swagger UI at {@code /actuator/swagger-ui}); the covered paths are {@code springdoc.paths-to-match} in
 * query-side.yml.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    @Bean
    OpenAPI viewsOpenApi() {
        return new OpenAPI().info(new Info()
                .title("Tollgate views")
                .version("v1")
                .description("Read-only usage and billing views projected from the ledger's events: "
                        + "balances, usage, requests."));
    }
}
