package io.tollgate.gateway.routing;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 14 item 4: only an authentication failure disables a provider key. A Gemini provider with two keys,
 * answering with Google's real error bodies: a 403 about a {@code fileData.fileUri} the project cannot read
 * goes back to the client once and disables nothing; a 400 whose ErrorInfo reason is {@code API_KEY_INVALID}
 * (Gemini's answer for a bad key) disables that key and the request moves on to the other.
 */
class CredentialRejectionTest extends GatewayTestBase {
    private static final String FIRST_KEY = "AIza-first-credential-0001";
    private static final String SECOND_KEY = "AIza-second-credential-0002";
    private static final String GENERATE = "/v1beta/models/gemini-2.5-flash:generateContent";

    /** Gemini's answer for a fileUri the key's project cannot read. */
    private static final String FILE_FORBIDDEN = """
            {"error":{"code":403,"message":"You do not have permission to access the File private-scan or it may not exist.","status":"PERMISSION_DENIED"}}""";
    /** Gemini's answer for a key that is not valid. */
    private static final String KEY_INVALID = """
            {"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT",
             "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com",
             "metadata":{"service":"generativelanguage.googleapis.com"}},
             {"@type":"type.googleapis.com/google.rpc.LocalizedMessage","locale":"en-US","message":"API key not valid. Please pass a valid API key."}]}}""";

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    private GatewayHttp gateway;
    private String provider;

    @BeforeEach
    void geminiWithTwoKeys() {
        gateway = gateway();
        provider = "gem-" + upstream.getPort() + "-" + System.nanoTime();
        var registered = gateway.put("/admin/providers/" + provider, ADMIN_KEY, Map.of("wireFormat", "gemini",
                "baseUrl", upstream.baseUrl() + "/v1beta", "apiKey", FIRST_KEY));
        assertThat(registered.status()).as(registered.body()).isEqualTo(200);
        var second = gateway.post("/admin/providers/" + provider + "/credentials", ADMIN_KEY,
                Map.of("apiKey", SECOND_KEY, "weight", 1, "test", false));
        assertThat(second.status()).as(second.body()).isEqualTo(201);
        gateway.setRate(provider, "gemini-2.5-flash", "0.3", "2.5");
    }

    @Test
    void aFileTheProviderCannotReadIsTheClientsErrorAndDisablesNoKey() {
        upstream.stubFor(post(urlEqualTo(GENERATE)).willReturn(aResponse().withStatus(403)
                .withHeader("Content-Type", "application/json").withBody(FILE_FORBIDDEN)));
        var account = gateway.openAccountWithCredits("1");

        var reply = gateway.post("/v1/chat/completions", account.key(), Map.of("model", provider + "/gemini-2.5-flash",
                "max_tokens", 20, "messages", List.of(Map.of("role", "user", "content", List.of(
                        Map.of("type", "text", "text", "What is in this scan?"),
                        Map.of("type", "image_url", "image_url", Map.of("url", "https://files.example/private-scan.png")))))));

        assertThat(reply.status()).as(reply.body()).isEqualTo(403);
        assertThat(reply.json().path("error").path("message").asText()).contains("permission to access the File");
        upstream.verify(1, postRequestedFor(urlEqualTo(GENERATE)));
        assertThat(credentialStatuses()).containsOnly("active");
    }

    @Test
    void anInvalidKeyIsDisabledAndTheRequestMovesOnToTheOtherKey() {
        upstream.stubFor(post(urlEqualTo(GENERATE)).withHeader("x-goog-api-key", equalTo(FIRST_KEY))
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                        .withBody(KEY_INVALID)));
        upstream.stubFor(post(urlEqualTo(GENERATE)).withHeader("x-goog-api-key", equalTo(SECOND_KEY))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(fixture("wire/gemini/response-text.json"))));
        var account = gateway.openAccountWithCredits("1");

        var replies = List.of(chat(account), chat(account), chat(account));

        assertThat(replies).allSatisfy(reply -> assertThat(reply.status()).as(reply.body()).isEqualTo(200));
        upstream.verify(1, postRequestedFor(urlEqualTo(GENERATE)).withHeader("x-goog-api-key", equalTo(FIRST_KEY)));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(credentialStatuses()).containsExactlyInAnyOrder("disabled", "active"));
    }

    private GatewayHttp.Reply chat(GatewayHttp.Account account) {
        return gateway.post("/v1/chat/completions", account.key(), Map.of("model", provider + "/gemini-2.5-flash",
                "max_tokens", 20, "messages", List.of(Map.of("role", "user", "content", "Hello"))));
    }

    private List<String> credentialStatuses() {
        return gateway.get("/admin/providers/" + provider + "/credentials", ADMIN_KEY).json().findValuesAsText("status");
    }

    private static String fixture(String path) {
        try (var in = CredentialRejectionTest.class.getClassLoader().getResourceAsStream(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
