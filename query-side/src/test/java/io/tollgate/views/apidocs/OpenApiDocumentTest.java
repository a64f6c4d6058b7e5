package io.tollgate.views.apidocs;

import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import io.tollgate.views.QuerySideTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalManagementPort;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The query side serves the views API's OpenAPI document over HTTP on its management port, and it is valid OpenAPI 3. */
class OpenApiDocumentTest extends QuerySideTestBase {
    @LocalManagementPort
    int localPort;

    @Test
    void theViewsApiIsDescribedByAValidOpenApiDocument() throws Exception {
        HttpResponse<String> reply = get("/actuator/openapi");
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        assertThat(reply.headers().firstValue("Content-Type").orElse("")).contains("json");

        var options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(reply.body(), null, options);
        assertThat(parsed.getMessages()).as("validation messages").isEmpty();
        var api = parsed.getOpenAPI();
        assertThat(api).isNotNull();
        assertThat(api.getOpenapi()).startsWith("3.");
        assertThat(api.getInfo().getTitle()).isEqualTo("Tollgate views");
        assertThat(api.getPaths()).containsKey("/api/views/accounts/{accountId}/balance");
        assertThat(api.getPaths().keySet()).allSatisfy(path -> assertThat(path).startsWith("/api/views/"));
        assertThat(api.getPaths().get("/api/views/accounts/{accountId}/balance").getGet()).isNotNull();
    }

    @Test
    void swaggerUiIsServed() throws Exception {
        HttpResponse<String> reply = get("/actuator/swagger-ui/index.html");
        assertThat(reply.statusCode()).isEqualTo(200);
        assertThat(reply.body()).contains("Swagger UI");
    }

    private HttpResponse<String> get(String path) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + localPort + path)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }
}
