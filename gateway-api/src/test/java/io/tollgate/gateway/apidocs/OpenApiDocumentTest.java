package io.tollgate.gateway.apidocs;

import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway serves its OpenAPI document and Swagger UI over HTTP without a key on the management port (not the
 * public one: see ManagementPortTest), and the document is valid OpenAPI 3.
 */
class OpenApiDocumentTest extends GatewayTestBase {

    @Test
    void theAdminAndClientApisAreDescribedByAValidOpenApiDocument() {
        var reply = management().get("/actuator/openapi", null);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.header("Content-Type")).contains("json");

        var options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(reply.body(), null, options);
        assertThat(parsed.getMessages()).as("validation messages").isEmpty();
        var api = parsed.getOpenAPI();
        assertThat(api).isNotNull();
        assertThat(api.getOpenapi()).startsWith("3.");
        assertThat(api.getInfo().getTitle()).isEqualTo("Tollgate gateway");
        assertThat(api.getPaths()).containsKeys(
                "/admin/providers/{name}", "/admin/providers", "/admin/rates/{provider}/{model}", "/admin/rates",
                "/admin/accounts", "/admin/accounts/{accountId}/grants", "/admin/keys",
                "/v1/chat/completions", "/v1/models");
        assertThat(api.getPaths().keySet()).allSatisfy(path ->
                assertThat(path).matches("/(admin|v1|api)/.*"));
        assertThat(api.getPaths().get("/admin/accounts").getPost()).isNotNull();
        assertThat(api.getComponents().getSecuritySchemes()).containsKey("tollgateKey");
    }

    private GatewayHttp management() {
        return new GatewayHttp(managementUrl(), ADMIN_KEY);
    }

    @Test
    void swaggerUiIsServed() {
        var reply = management().get("/actuator/swagger-ui/index.html", null);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).contains("Swagger UI");
    }
}
