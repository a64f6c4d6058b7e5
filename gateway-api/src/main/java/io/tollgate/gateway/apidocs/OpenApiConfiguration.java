package io.tollgate.gateway.apidocs;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The gateway's OpenAPI document, served by springdoc on the management port at {@code /actuator/openapi} (and
 * Swagger UI at {@code /actuator/swagger-ui}), never on the public port; which paths it covers is
 * {@code springdoc.paths-to-match} in gateway.yml.
 * Both are outside {@code /v1/**} and {@code /admin/**}, so they need no key; the API they describe does.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {
    static final String TOLLGATE_KEY = "tollgateKey";

    @Bean
    OpenAPI gatewayOpenApi() {
        return new OpenAPI()
                .info(new Info()
                        .title("Tollgate gateway")
                        .version("v1")
                        .description("The admin API (providers, rates, accounts, credits, keys; an admin key) "
                                + "and the OpenAI-compatible API (an account's key). Every call sends "
                                + "'Authorization: Bearer tg-…'."))
                .components(new Components().addSecuritySchemes(TOLLGATE_KEY, new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP)
                        .scheme("bearer")
                        .description("A Tollgate API key (tg-…); the admin API needs an admin key")))
                .addSecurityItem(new SecurityRequirement().addList(TOLLGATE_KEY));
    }
}
