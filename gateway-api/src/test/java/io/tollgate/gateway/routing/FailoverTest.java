package io.tollgate.gateway.routing;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.ProviderCalled;
import io.tollgate.events.RequestRejected;
import io.tollgate.events.ReservationReleased;
import io.tollgate.events.TokensConsumed;
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
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static io.tollgate.gateway.testing.OpenAiWireFormat.COMPLETION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * An alias with two deployments on two providers (each a WireMock server speaking OpenAI's format):
 * what moves on to the next deployment (5xx, 429), what does not (a client error), and what is charged.
 */
class FailoverTest extends GatewayTestBase {
    private static final String SERVER_ERROR = """
            {"error":{"message":"The server had an error while processing your request.","type":"server_error"}}""";

    @RegisterExtension
    static WireMockExtension primary = OpenAiWireFormat.loopbackProvider();
    @RegisterExtension
    static WireMockExtension backup = OpenAiWireFormat.loopbackProvider();

    private GatewayHttp gateway;
    private String primaryName;
    private String backupName;
    private String alias;

    @BeforeEach
    void twoProvidersBehindOneAlias() {
        gateway = gateway();
        primaryName = "fo-primary-" + primary.getPort();
        backupName = "fo-backup-" + backup.getPort();
        gateway.registerProvider(primaryName, primary.baseUrl() + "/v1", "sk-primary-key-000000001");
        gateway.registerProvider(backupName, backup.baseUrl() + "/v1", "sk-backup-key-0000000002");
        gateway.setRate(primaryName, "gpt-4o", "2.5", "10");
        gateway.setRate(backupName, "gpt-4o-mini", "1", "4");
        alias = "smart-" + primary.getPort();
        var set = gateway.put("/admin/aliases/" + alias, ADMIN_KEY, Map.of("deployments", List.of(
                Map.of("provider", primaryName, "model", "gpt-4o"),
                Map.of("provider", backupName, "model", "gpt-4o-mini"))));
        assertThat(set.status()).as(set.body()).isEqualTo(200);
    }

    @Test
    void aServerErrorMovesOnToTheNextDeploymentWhichIsChargedAtItsOwnRate() {
        primary.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", "application/json").withBody(SERVER_ERROR)));
        backup.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));
        var account = gateway.openAccountWithCredits("1");

        var reply = chat(account, alias);

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        primary.verify(1, postRequestedFor(urlEqualTo(CHAT_PATH)));
        backup.verify(postRequestedFor(urlEqualTo(CHAT_PATH))
                .withRequestBody(equalToJson("{\"model\":\"gpt-4o-mini\"}", true, true)));
        List<TollgateEvent> events = awaitEvents(reply.header("x-request-id"), 5);
        assertThat(events).filteredOn(ProviderCalled.class::isInstance).map(ProviderCalled.class::cast)
                .extracting(ProviderCalled::provider, ProviderCalled::httpStatus, ProviderCalled::errorClass)
                .containsExactly(
                        tuple(primaryName, 500, "upstream_5xx"),
                        tuple(backupName, 200, null));
        var consumed = only(events, TokensConsumed.class);
        assertThat(consumed.provider()).isEqualTo(backupName);
        assertThat(consumed.model()).isEqualTo("gpt-4o-mini");
        // The backup's rate, not the primary's: 19 input × 1 + 10 output × 4 = 59 micro-credits
        assertThat(only(events, CreditsDebited.class).amountMicros()).isEqualTo(59);
    }

    @Test
    void aRateLimitedDeploymentIsSkippedForTheNext() {
        primary.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(429)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}")));
        backup.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));
        var account = gateway.openAccountWithCredits("1");

        var reply = chat(account, alias);

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        List<TollgateEvent> events = awaitEvents(reply.header("x-request-id"), 5);
        assertThat(events).filteredOn(ProviderCalled.class::isInstance).map(ProviderCalled.class::cast)
                .extracting(ProviderCalled::httpStatus).containsExactly(429, 200);
    }

    @Test
    void aClientErrorIsAnsweredAtOnceWithoutFailoverOrCharge() {
        primary.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"message\":\"Invalid value for 'temperature'\",\"type\":\"invalid_request_error\","
                        + "\"param\":\"temperature\",\"code\":null}}")));
        var account = gateway.openAccountWithCredits("1");

        var reply = chat(account, alias);

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().path("error").path("message").asText()).contains("temperature");
        backup.verify(0, postRequestedFor(urlEqualTo(CHAT_PATH)));
        List<TollgateEvent> events = awaitEvents(reply.header("x-request-id"), 3);
        assertThat(events).noneMatch(CreditsDebited.class::isInstance);
        assertThat(only(events, ProviderCalled.class).errorClass()).isEqualTo("upstream_4xx");
        assertThat(events).anyMatch(ReservationReleased.class::isInstance);
    }

    @Test
    void whenEveryDeploymentFailsTheClientGets502AndNothingIsCharged() {
        primary.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(503).withBody(SERVER_ERROR)));
        backup.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(502).withBody("bad gateway")));
        var account = gateway.openAccountWithCredits("1");

        var reply = chat(account, alias);

        assertThat(reply.status()).isEqualTo(502);
        assertThat(reply.json().path("error").path("code").asText()).isEqualTo("provider_error");
        List<TollgateEvent> events = awaitEvents(reply.header("x-request-id"), 4);
        assertThat(events).filteredOn(ProviderCalled.class::isInstance).hasSize(2);
        assertThat(events).noneMatch(CreditsDebited.class::isInstance);
    }

    @Test
    void aBareModelNameIsServedByEveryProviderThatPricesIt() {
        String shared = "shared-model-" + primary.getPort();
        gateway.setRate(primaryName, shared, "1", "1");
        gateway.setRate(backupName, shared, "1", "1");
        // fo-backup-… sorts before fo-primary-…: the backup is first in line for a bare name
        backup.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(503).withBody(SERVER_ERROR)));
        primary.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));
        var account = gateway.openAccountWithCredits("1");

        var reply = chat(account, shared);

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        backup.verify(1, postRequestedFor(urlEqualTo(CHAT_PATH)));
        primary.verify(postRequestedFor(urlEqualTo(CHAT_PATH))
                .withRequestBody(equalToJson("{\"model\":\"" + shared + "\"}", true, true)));
    }

    @Test
    void anUnknownModelIs404InOpenAisShapeAndARejectionInTheLog() {
        var account = gateway.openAccountWithCredits("1");

        var reply = chat(account, "no-such-model-anywhere");

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.json().path("error").path("code").asText()).isEqualTo("model_not_found");
        List<TollgateEvent> events = awaitEvents(reply.header("x-request-id"), 1);
        assertThat(only(events, RequestRejected.class)).satisfies(rejected -> {
            assertThat(rejected.reason()).isEqualTo("model_not_found");
            assertThat(rejected.httpStatus()).isEqualTo(404);
            assertThat(rejected.model()).isEqualTo("no-such-model-anywhere");
        });
    }

    private GatewayHttp.Reply chat(GatewayHttp.Account account, String model) {
        return gateway.post(CHAT_PATH, account.key(), Map.of("model", model, "max_tokens", 50,
                "messages", List.of(Map.of("role", "user", "content", "Hello there"))));
    }

    private static <T> T only(List<TollgateEvent> events, Class<T> type) {
        var matching = events.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(matching).hasSize(1);
        return matching.getFirst();
    }

    private List<TollgateEvent> awaitEvents(String requestId, int count) {
        return await().atMost(Duration.ofSeconds(20))
                .until(() -> ledger().eventsOf(requestId), events -> events.size() >= count);
    }
}
