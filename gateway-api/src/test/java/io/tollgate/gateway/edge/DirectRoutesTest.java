package io.tollgate.gateway.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chat endpoints' direct routes serve a POST of JSON past Spring MVC's dispatcher; everything else on their paths
 * is still the dispatcher's, and either way a refusal leaves in the caller's API shape.
 */
class DirectRoutesTest extends GatewayTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    private GatewayHttp gateway;
    private String provider;

    @BeforeEach
    void registerUpstream() {
        gateway = gateway();
        provider = OpenAiWireFormat.servingCompletions(gateway, upstream, "wmdirect", "sk-direct-test-0000");
    }

    @Test
    void jsonWithACharsetIsServedAndOtherContentTypesAndMethodsAreRefusedInTheCallersShape() throws Exception {
        var account = gateway.openAccountWithCredits("1");
        String chat = JSON.writeValueAsString(Map.of("model", provider + "/gpt-4o", "max_tokens", 8,
                "messages", List.of(Map.of("role", "user", "content", "Hi"))));

        var served = send("POST", CHAT_PATH, account.key(), "Application/JSON; charset=UTF-8", chat);
        assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
        assertThat(JSON.readTree(served.body()).at("/choices/0/message/content").asText()).isNotBlank();
        upstream.verify(1, postRequestedFor(urlEqualTo(CHAT_PATH)));

        var plainText = send("POST", CHAT_PATH, account.key(), "text/plain", chat);
        assertThat(plainText.statusCode()).as(plainText.body()).isEqualTo(415);
        assertThat(JSON.readTree(plainText.body()).at("/error/message").asText()).contains("application/json");

        var anthropicPlainText = send("POST", "/v1/messages", account.key(), "text/plain", chat);
        assertThat(anthropicPlainText.statusCode()).isEqualTo(415);
        JsonNode anthropicError = JSON.readTree(anthropicPlainText.body());
        assertThat(anthropicError.path("type").asText()).as(anthropicPlainText.body()).isEqualTo("error");
        assertThat(anthropicError.at("/error/type").asText()).isEqualTo("invalid_request_error");

        var get = send("GET", CHAT_PATH, account.key(), null, null);
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(JSON.readTree(get.body()).at("/error/type").asText()).as(get.body())
                .isEqualTo("invalid_request_error");

        upstream.verify(1, anyRequestedFor(anyUrl()));
    }

    @Test
    void aHostileQueryStringOnADirectRouteIsRefusedAsOnEveryOtherEndpoint() throws Exception {
        var account = gateway.openAccountWithCredits("1");
        String chat = JSON.writeValueAsString(Map.of("model", provider + "/gpt-4o", "max_tokens", 8,
                "messages", List.of(Map.of("role", "user", "content", "Hi"))));

        var refused = send("POST", CHAT_PATH + "?user=a%00b", account.key(), "application/json", chat);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(JSON.readTree(refused.body()).at("/error/message").asText()).contains("user");

        var anthropic = send("POST", "/v1/messages?x=" + "y".repeat(ClientText.TEXT_MAX + 1), account.key(),
                "application/json", chat);
        assertThat(anthropic.statusCode()).as(anthropic.body()).isEqualTo(400);
        assertThat(JSON.readTree(anthropic.body()).path("type").asText()).isEqualTo("error");

        upstream.verify(0, anyRequestedFor(anyUrl()));
    }

    @Test
    void onlyPlainJsonContentTypesTakeTheDirectRoute() {
        assertThat(DirectRoutes.isJson("application/json")).isTrue();
        assertThat(DirectRoutes.isJson("APPLICATION/JSON;charset=utf-8")).isTrue();
        assertThat(DirectRoutes.isJson("application/jsonl")).isFalse();
        assertThat(DirectRoutes.isJson("application/json-patch+json")).isFalse();
        assertThat(DirectRoutes.isJson("text/plain")).isFalse();
        assertThat(DirectRoutes.isJson(null)).isFalse();
    }

    private HttpResponse<String> send(String method, String path, String key, String contentType, String body)
            throws Exception {
        var request = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .header("Authorization", "Bearer " + key)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
