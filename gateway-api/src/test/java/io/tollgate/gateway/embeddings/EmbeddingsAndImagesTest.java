package io.tollgate.gateway.embeddings;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.events.CreditsDebited;
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
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** /v1/embeddings and /v1/images/generations against an OpenAI-compatible provider with OpenAI's bodies. */
class EmbeddingsAndImagesTest extends GatewayTestBase {
    private static final String PROVIDER_KEY = "sk-embeddings-provider-0001";
    /** From OpenAI's API reference, "Create embeddings". */
    private static final String EMBEDDINGS = """
            {"object":"list","data":[{"object":"embedding","embedding":[0.0023064255,-0.009327292,-0.0028842222],
            "index":0}],"model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}""";
    /** From OpenAI's API reference, "Create image". */
    private static final String IMAGES = """
            {"created":1713833628,"data":[{"url":"https://example.invalid/img-1.png",
            "revised_prompt":"A cute baby sea otter"},{"url":"https://example.invalid/img-2.png"}]}""";

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    private GatewayHttp gateway;
    private String provider;

    @BeforeEach
    void registerUpstream() {
        gateway = gateway();
        provider = "emb" + upstream.getPort();
        gateway.registerProvider(provider, upstream.baseUrl() + "/v1", PROVIDER_KEY);
        // 0.02 credits per million embedding tokens; 0.04 credits per image
        rate("text-embedding-3-small", Map.of("inputPerMillion", "0", "outputPerMillion", "0",
                "embeddingPerMillion", "0.02"));
        rate("dall-e-3", Map.of("inputPerMillion", "0", "outputPerMillion", "0", "perImage", "0.04"));
    }

    @Test
    void embeddingsArePassedThroughAndChargedPerInputTokenAtTheEmbeddingPrice() {
        upstream.stubFor(post("/v1/embeddings").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(EMBEDDINGS)));
        var account = gateway.openAccountWithCredits("1");

        var reply = gateway.post("/v1/embeddings", account.key(), Map.of("model", provider + "/text-embedding-3-small",
                "input", "The food was delicious and the waiter..."));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().path("data").get(0).path("embedding")).hasSize(3);
        assertThat(reply.json().path("usage").path("prompt_tokens").asInt()).isEqualTo(8);
        upstream.verify(postRequestedFor(urlEqualTo("/v1/embeddings"))
                .withHeader("Authorization", equalTo("Bearer " + PROVIDER_KEY))
                .withRequestBody(equalToJson("{\"model\":\"text-embedding-3-small\"}", true, true)));
        List<TollgateEvent> events = settled(reply.header("x-request-id"));
        var consumed = first(events, TokensConsumed.class);
        assertThat(consumed.inputTokens()).isEqualTo(8);
        assertThat(consumed.outputTokens()).isZero();
        // 8 tokens × 0.02 credits per million = 0.16 micro-credits, rounded up to 1
        assertThat(first(events, CreditsDebited.class).amountMicros()).isEqualTo(1);
    }

    @Test
    void imagesAreChargedPerImageDelivered() {
        upstream.stubFor(post("/v1/images/generations").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(IMAGES)));
        var account = gateway.openAccountWithCredits("1");

        var reply = gateway.post("/v1/images/generations", account.key(), Map.of("model", provider + "/dall-e-3",
                "prompt", "A cute baby sea otter", "n", 2, "size", "1024x1024"));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().path("data")).hasSize(2);
        upstream.verify(postRequestedFor(urlEqualTo("/v1/images/generations"))
                .withRequestBody(equalToJson("{\"model\":\"dall-e-3\",\"n\":2,\"size\":\"1024x1024\"}", true, true)));
        List<TollgateEvent> events = settled(reply.header("x-request-id"));
        assertThat(first(events, CreditsDebited.class).amountMicros()).isEqualTo(80_000);
    }

    @Test
    void anAccountThatCannotPayForEveryImageIsRefusedBeforeTheCall() {
        var account = gateway.openAccountWithCredits("0.05");

        var reply = gateway.post("/v1/images/generations", account.key(), Map.of("model", provider + "/dall-e-3",
                "prompt", "Two otters", "n", 2));

        assertThat(reply.status()).isEqualTo(402);
        upstream.verify(0, postRequestedFor(urlEqualTo("/v1/images/generations")));
    }

    @Test
    void badInputIsA400AndNeverReachesTheProvider() {
        var account = gateway.openAccountWithCredits("1");

        assertThat(gateway.post("/v1/embeddings", account.key(), Map.of("model", provider + "/text-embedding-3-small"))
                .status()).isEqualTo(400);
        assertThat(gateway.post("/v1/embeddings", account.key(), Map.of("model", provider + "/text-embedding-3-small",
                "input", List.of())).status()).isEqualTo(400);
        assertThat(gateway.post("/v1/images/generations", account.key(), Map.of("model", provider + "/dall-e-3",
                "prompt", "otter", "n", 11)).status()).isEqualTo(400);
        assertThat(gateway.post("/v1/images/generations", account.key(), Map.of("model", provider + "/dall-e-3"))
                .json().path("error").path("message").asText()).contains("prompt");
        upstream.verify(0, postRequestedFor(urlEqualTo("/v1/embeddings")));
        upstream.verify(0, postRequestedFor(urlEqualTo("/v1/images/generations")));
    }

    private void rate(String model, Map<String, String> prices) {
        var reply = gateway.put("/admin/rates/" + provider + "/" + model, ADMIN_KEY, prices);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    }

    private List<TollgateEvent> settled(String requestId) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> ledger().eventsOf(requestId),
                events -> events.stream().anyMatch(CreditsDebited.class::isInstance));
    }

    private static <T> T first(List<TollgateEvent> events, Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }
}
