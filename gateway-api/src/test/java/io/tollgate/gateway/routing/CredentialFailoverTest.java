package io.tollgate.gateway.routing;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.events.ProviderCalled;
import io.tollgate.events.TollgateEvent;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static io.tollgate.gateway.testing.OpenAiWireFormat.COMPLETION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One provider with two keys, through the request path: a key the provider rate-limits or refuses hands
 * the same request to the other key, cools down or is disabled, and later requests avoid it.
 */
class CredentialFailoverTest extends GatewayTestBase {
    private static final String FIRST_KEY = "sk-first-credential-0001";
    private static final String SECOND_KEY = "sk-second-credential-0002";

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    private GatewayHttp gateway;
    private String provider;
    private String firstCredentialId;

    @BeforeEach
    void oneProviderTwoKeys() {
        gateway = gateway();
        provider = "two-keys-" + upstream.getPort() + "-" + System.nanoTime();
        gateway.registerProvider(provider, upstream.baseUrl() + "/v1", FIRST_KEY);
        firstCredentialId = gateway.get("/admin/providers/" + provider + "/credentials", ADMIN_KEY).json()
                .get(0).path("id").asText();
        var second = gateway.post("/admin/providers/" + provider + "/credentials", ADMIN_KEY,
                Map.of("apiKey", SECOND_KEY, "weight", 1, "test", false));
        assertThat(second.status()).as(second.body()).isEqualTo(201);
        gateway.setRate(provider, "gpt-4o", "2.5", "10");
        upstream.stubFor(post(CHAT_PATH).withHeader("Authorization", equalTo("Bearer " + SECOND_KEY))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(COMPLETION)));
    }

    @Test
    void aRateLimitedKeyHandsTheRequestToTheOtherKeyAndCoolsDown() {
        upstream.stubFor(post(CHAT_PATH).withHeader("Authorization", equalTo("Bearer " + FIRST_KEY))
                .willReturn(aResponse().withStatus(429).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\"}}")));
        var account = gateway.openAccountWithCredits("1");

        for (int i = 0; i < 6; i++) {
            var reply = chat(account);
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        }

        // Round-robin would give the first key three of six; cooling down, it was tried once.
        upstream.verify(1, postRequestedFor(urlEqualTo(CHAT_PATH))
                .withHeader("Authorization", equalTo("Bearer " + FIRST_KEY)));
        upstream.verify(6, postRequestedFor(urlEqualTo(CHAT_PATH))
                .withHeader("Authorization", equalTo("Bearer " + SECOND_KEY)));
        var listed = gateway.get("/admin/providers/" + provider + "/credentials/" + firstCredentialId, ADMIN_KEY);
        assertThat(listed.json().path("status").asText()).isEqualTo("cooling");
    }

    @Test
    void aRefusedKeyIsDisabledAndTheRequestIsServedByTheOtherKey() {
        upstream.stubFor(post(CHAT_PATH).withHeader("Authorization", equalTo("Bearer " + FIRST_KEY))
                .willReturn(aResponse().withStatus(401).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":\"invalid_request_error\","
                                + "\"code\":\"invalid_api_key\"}}")));
        var account = gateway.openAccountWithCredits("1");

        var replies = List.of(chat(account), chat(account), chat(account), chat(account));

        assertThat(replies).allSatisfy(reply -> assertThat(reply.status()).isEqualTo(200));
        upstream.verify(1, postRequestedFor(urlEqualTo(CHAT_PATH))
                .withHeader("Authorization", equalTo("Bearer " + FIRST_KEY)));
        List<TollgateEvent> first = await().atMost(Duration.ofSeconds(20))
                .until(() -> ledger().eventsOf(replies.getFirst().header("x-request-id")),
                        events -> events.stream().filter(ProviderCalled.class::isInstance).count() >= 1);
        assertThat(first).filteredOn(ProviderCalled.class::isInstance).map(ProviderCalled.class::cast)
                .extracting(ProviderCalled::httpStatus).contains(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(gateway.get("/admin/providers/"
                + provider + "/credentials/" + firstCredentialId, ADMIN_KEY).json().path("status").asText())
                .isEqualTo("disabled"));
    }

    private GatewayHttp.Reply chat(GatewayHttp.Account account) {
        return gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o", "max_tokens", 20,
                "messages", List.of(Map.of("role", "user", "content", "Hello"))));
    }
}
