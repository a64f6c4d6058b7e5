package io.tollgate.gateway.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.ProviderCalled;
import io.tollgate.events.ReleaseReason;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.RequestRejected;
import io.tollgate.events.ReservationReleased;
import io.tollgate.events.TokensConsumed;
import io.tollgate.events.TollgateEvent;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import io.tollgate.gateway.testing.GatewayHttp;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.tollgate.gateway.testing.OpenAiWireFormat.COMPLETION;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The chat path against an OpenAI-compatible provider served by WireMock with OpenAI's own response
 * bodies: reserve → call → settle, the events it leaves on Kafka, and every refusal path.
 */
class OpenAiChatTest extends GatewayTestBase {
    private static final String PROVIDER_KEY = "sk-test-provider-secret-0001";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    private GatewayHttp gateway;
    private String provider;

    @BeforeEach
    void registerUpstream() {
        gateway = gateway();
        provider = "wm" + Integer.toHexString(upstream.getPort());
        gateway.registerProvider(provider, upstream.baseUrl() + "/v1", PROVIDER_KEY);
        // 2.50 credits per million input tokens, 10 per million output tokens
        gateway.setRate(provider, "gpt-4o", "2.5", "10");
    }

    @Test
    void aCompletionIsReservedCalledAndSettledAtItsActualCost() {
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));
        var account = gateway.openAccountWithCredits("1");

        var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o",
                "max_tokens", 100, "messages", List.of(Map.of("role", "user", "content", "Hello there"))));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        // The provider's answer as it came, plus what the call cost (148 micro-credits, below).
        assertThat(reply.body()).contains("\"cost\":0.000148}");
        assertThat(reply.header("x-tollgate-cost")).isEqualTo("0.000148");
        // The account's one credit less the call, as this instance sees it without asking the ledger.
        assertThat(reply.header("x-tollgate-balance")).isEqualTo("0.999852");
        ((com.fasterxml.jackson.databind.node.ObjectNode) reply.json().path("usage")).remove("cost");
        assertThat(reply.json()).isEqualTo(json(COMPLETION));
        String requestId = reply.header("x-request-id");
        assertThat(requestId).startsWith("req_");
        assertThat(reply.header("x-tollgate-max-tokens")).isEqualTo("100");
        assertThat(reply.header("x-tollgate-max-tokens-clamped")).isNull();
        upstream.verify(postRequestedFor(urlEqualTo(CHAT_PATH))
                .withHeader("Authorization", equalTo("Bearer " + PROVIDER_KEY))
                .withRequestBody(equalToJson("""
                        {"model":"gpt-4o","max_tokens":100,"messages":[{"role":"user","content":"Hello there"}]}""")));

        List<TollgateEvent> events = awaitEvents(requestId, 4);
        assertThat(events).extracting(e -> e.getClass().getSimpleName()).containsExactly(
                "RequestAccepted", "ProviderCalled", "TokensConsumed", "CreditsDebited");
        assertThat(events).allSatisfy(e -> assertThat(e.accountId()).isEqualTo(account.id()));
        var consumed = (TokensConsumed) events.get(2);
        assertThat(consumed.inputTokens()).isEqualTo(19);
        assertThat(consumed.outputTokens()).isEqualTo(10);
        assertThat(consumed.estimated()).isFalse();
        // 19 × 2.5 = 47.5 → 48 micro-credits, 10 × 10 = 100: 148 in all
        var debited = (CreditsDebited) events.get(3);
        assertThat(debited.amountMicros()).isEqualTo(148);
        // Held: the input estimate at 2.5 and 100 output tokens at 10 per million, on one credit lease.
        var accepted = (RequestAccepted) events.get(0);
        assertThat(accepted.reservedMicros()).isBetween(1_000L, 1_100L);
        assertThat(accepted.leaseId()).isNotBlank().isEqualTo(debited.leaseId());
        assertThat(((ProviderCalled) events.get(1)).httpStatus()).isEqualTo(200);
    }

    @Test
    void severalChoicesReserveTheOutputLimitOncePerChoice() {
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));
        var account = gateway.openAccountWithCredits("1");

        var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o", "n", 3,
                "max_tokens", 50, "messages", List.of(Map.of("role", "user", "content", "Three names for a cat"))));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.header("x-tollgate-max-tokens")).isEqualTo("50");
        upstream.verify(postRequestedFor(urlEqualTo(CHAT_PATH))
                .withRequestBody(equalToJson("{\"n\":3,\"max_tokens\":50}", true, true)));
        // Three choices of 50: the hold covers 150 output tokens at 10 micro-credits each, plus the input.
        var accepted = (RequestAccepted) awaitEvents(reply.header("x-request-id"), 1).get(0);
        assertThat(accepted.reservedMicros()).isGreaterThan(1_500).isLessThan(1_600);
        assertThat(gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o", "n", 9,
                "messages", List.of(Map.of("role", "user", "content", "Nine")))).status()).isEqualTo(400);
    }

    @Test
    void notEnoughCreditIs402InOpenAisShapeAndNothingGoesUpstream() {
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));
        var account = gateway.openAccountWithCredits("0.0001");

        var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o",
                "messages", List.of(Map.of("role", "user", "content", "Write me a long story"))));

        assertThat(reply.status()).isEqualTo(402);
        assertThat(reply.json().path("error").path("type").asText()).isEqualTo("insufficient_quota");
        assertThat(reply.json().path("error").path("code").asText()).isEqualTo("insufficient_credit");
        assertThat(reply.json().path("error").path("message").asText()).contains("Insufficient credit");
        upstream.verify(0, postRequestedFor(urlEqualTo(CHAT_PATH)));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(ledger().recordsOfAccount(account.id())).extracting(r -> new String(r.value()))
                        .anySatisfy(json -> assertThat(json).contains("\"type\":\"RequestRejected\"")
                                .contains("insufficient_credit")));
    }

    @Test
    void aRequestWithoutALimitIsClampedToWhatTheCreditAffordsAndSaysSo() {
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));
        // 0.001 credits = 1,000 micro-credits: after the input, about 99 output tokens at 10 per million
        var account = gateway.openAccountWithCredits("0.001");

        var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o",
                "messages", List.of(Map.of("role", "user", "content", "Hi"))));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.header("x-tollgate-max-tokens-clamped")).isEqualTo("true");
        int granted = Integer.parseInt(reply.header("x-tollgate-max-tokens"));
        assertThat(granted).isBetween(16, 100);
        upstream.verify(postRequestedFor(urlEqualTo(CHAT_PATH))
                .withRequestBody(equalToJson("{\"max_tokens\":" + granted + "}", true, true)));
    }

    @Test
    void aProviderFailureReleasesEverythingAndCharges_nothing() {
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}")));
        var account = gateway.openAccountWithCredits("1");

        var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o",
                "max_tokens", 50, "messages", List.of(Map.of("role", "user", "content", "Hello"))));

        assertThat(reply.status()).isEqualTo(502);
        assertThat(reply.json().path("error").path("code").asText()).isEqualTo("provider_error");
        List<TollgateEvent> events = awaitEvents(reply.header("x-request-id"), 3);
        assertThat(events).extracting(e -> e.getClass().getSimpleName()).containsExactly(
                "RequestAccepted", "ProviderCalled", "ReservationReleased");
        assertThat(((ReservationReleased) events.get(2)).reason()).isEqualTo(ReleaseReason.PROVIDER_FAILED);
        assertThat(((ProviderCalled) events.get(1)).errorClass()).isEqualTo("upstream_5xx");
    }

    @Test
    void badInputIsA4xxInOpenAisShapeAndNeverReachesTheProvider() {
        var account = gateway.openAccountWithCredits("1");
        var noModel = gateway.post(CHAT_PATH, account.key(), Map.of("messages",
                List.of(Map.of("role", "user", "content", "Hi"))));
        var brokenJson = gateway.post(CHAT_PATH, account.key(), "{\"model\": ");
        var noMessages = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o"));
        var badLimit = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o",
                "max_tokens", -5, "messages", List.of(Map.of("role", "user", "content", "Hi"))));
        var unknownModel = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/no-such-model",
                "messages", List.of(Map.of("role", "user", "content", "Hi"))));
        var noKey = gateway.post(CHAT_PATH, null, Map.of("model", provider + "/gpt-4o"));
        var wrongKey = gateway.post(CHAT_PATH, "tg-not-a-real-key", Map.of("model", provider + "/gpt-4o"));

        assertThat(List.of(noModel, brokenJson, noMessages, badLimit)).allSatisfy(reply -> {
            assertThat(reply.status()).as(reply.body()).isEqualTo(400);
            assertThat(reply.json().path("error").path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(reply.json().path("error").path("message").asText()).isNotBlank();
        });
        assertThat(unknownModel.status()).isEqualTo(404);
        assertThat(unknownModel.json().path("error").path("code").asText()).isEqualTo("model_not_found");
        assertThat(noKey.status()).isEqualTo(401);
        assertThat(wrongKey.status()).isEqualTo(401);
        assertThat(wrongKey.json().path("error").path("code").asText()).isEqualTo("invalid_api_key");
        upstream.verify(0, postRequestedFor(urlEqualTo(CHAT_PATH)));
    }

    @Test
    void aHostileModelNameIsA400AndNeverReachesTheLog() {
        var account = gateway.openAccountWithCredits("1");
        for (String model : List.of("\u0000", provider + "/gpt-4o\u0000", "m".repeat(10_000))) {
            var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", model,
                    "messages", List.of(Map.of("role", "user", "content", "Hi"))));

            assertThat(reply.status()).as(reply.body()).isEqualTo(400);
            assertThat(reply.json().path("error").path("code").asText()).isEqualTo("invalid_model");
        }
        upstream.verify(0, postRequestedFor(urlEqualTo(CHAT_PATH)));
        // The refusals are recorded, without the names.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(ledger().recordsOfAccount(account.id())).extracting(r -> new String(r.value()))
                        .filteredOn(json -> json.contains("\"type\":\"RequestRejected\"")).hasSize(3)
                        .allSatisfy(json -> assertThat(json).contains("\"model\":null").doesNotContain("\\u0000")));
    }

    @Test
    void aUserKeyCannotCallTheAdminApi() {
        var account = gateway.openAccountWithCredits("1");
        var reply = gateway.post("/admin/accounts/" + account.id() + "/grants", account.key(),
                Map.of("credits", "1000"));
        assertThat(reply.status()).isEqualTo(403);
    }

    @Test
    void providerSecretsAreStoredEncryptedAndShownMasked() {
        var providers = gateway.get("/admin/providers", ADMIN_KEY);
        assertThat(providers.body()).doesNotContain(PROVIDER_KEY).contains("sk-t…0001");
    }

    private List<TollgateEvent> awaitEvents(String requestId, int count) {
        return await().atMost(Duration.ofSeconds(20))
                .until(() -> ledger().eventsOf(requestId), events -> events.size() >= count);
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
