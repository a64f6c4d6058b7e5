package io.tollgate.gateway.embeddings;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.ReservationReleased;
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
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 14 item 8: images and embeddings are never served at no price, and every hold they take ends at
 * once, whatever the provider answers: a garbage body or a connection closed mid-body releases it and the
 * client hears 502 in its API's shape (OpenAI's here; the sweep would otherwise free it minutes later).
 */
class MediaHoldsTest extends GatewayTestBase {
    private static final String IMAGES_PATH = "/v1/images/generations";
    private static final String EMBEDDINGS_PATH = "/v1/embeddings";

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    private GatewayHttp gateway;
    private String provider;

    @BeforeEach
    void registerUpstream() {
        gateway = gateway();
        provider = "mh" + upstream.getPort();
        gateway.registerProvider(provider, upstream.baseUrl() + "/v1", "sk-media-holds-0001");
        rate("dall-e-3", Map.of("inputPerMillion", "0", "outputPerMillion", "0", "perImage", "0.04"));
        rate("text-embedding-3-small", Map.of("inputPerMillion", "0", "outputPerMillion", "0",
                "embeddingPerMillion", "0.02"));
        // Priced per token only: no image or embedding price.
        gateway.setRate(provider, "gpt-4o", "2.5", "10");
    }

    @Test
    void aModelWithoutAnImageOrEmbeddingPriceIsRefusedAndNeverCalled() {
        var account = gateway.openAccountWithCredits("1");

        var image = gateway.post(IMAGES_PATH, account.key(), Map.of("model", provider + "/gpt-4o", "prompt", "otter"));
        var embedding = gateway.post(EMBEDDINGS_PATH, account.key(), Map.of("model", provider + "/gpt-4o",
                "input", "otter"));

        for (var reply : List.of(image, embedding)) {
            assertThat(reply.status()).as(reply.body()).isEqualTo(400);
            assertThat(reply.json().path("error").path("code").asText()).isEqualTo("model_not_priced");
        }
        assertThat(image.json().path("error").path("message").asText()).contains("perImage");
        assertThat(embedding.json().path("error").path("message").asText()).contains("embeddingPerMillion");
        upstream.verify(0, postRequestedFor(urlEqualTo(IMAGES_PATH)));
        upstream.verify(0, postRequestedFor(urlEqualTo(EMBEDDINGS_PATH)));
    }

    @Test
    void aGarbageImagesAnswerReleasesTheHoldAtOnce() {
        upstream.stubFor(post(IMAGES_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("{\"data\": [ not json")));

        assertReleasedWith502(IMAGES_PATH, Map.of("model", provider + "/dall-e-3", "prompt", "otter"));
    }

    @Test
    void anImagesAnswerCutOffMidBodyReleasesTheHoldAtOnce() {
        upstream.stubFor(post(IMAGES_PATH).willReturn(aResponse().withFault(Fault.MALFORMED_RESPONSE_CHUNK)));

        assertReleasedWith502(IMAGES_PATH, Map.of("model", provider + "/dall-e-3", "prompt", "otter"));
    }

    @Test
    void aGarbageEmbeddingsAnswerReleasesTheHoldAtOnce() {
        upstream.stubFor(post(EMBEDDINGS_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("<html>oops</html>")));

        assertReleasedWith502(EMBEDDINGS_PATH, Map.of("model", provider + "/text-embedding-3-small", "input", "x"));
    }

    @Test
    void anEmbeddingsAnswerCutOffMidBodyReleasesTheHoldAtOnce() {
        upstream.stubFor(post(EMBEDDINGS_PATH).willReturn(aResponse().withFault(Fault.MALFORMED_RESPONSE_CHUNK)));

        assertReleasedWith502(EMBEDDINGS_PATH, Map.of("model", provider + "/text-embedding-3-small", "input", "x"));
    }

    @Test
    void anAigneClientHearsTheCutOffIn502InItsOwnShape() {
        upstream.stubFor(post(EMBEDDINGS_PATH).willReturn(aResponse().withFault(Fault.MALFORMED_RESPONSE_CHUNK)));
        var account = gateway.openAccountWithCredits("1");

        var reply = gateway.post("/api/v2/embeddings", account.key(),
                Map.of("model", provider + "/text-embedding-3-small", "input", "x"));

        assertThat(reply.status()).as(reply.body()).isEqualTo(502);
        // AIGNE Hub's shape: {"error":{"message"}}, no OpenAI type
        assertThat(reply.json().path("error").path("message").asText()).contains("could not be read");
        assertThat(reply.json().path("error").has("type")).isFalse();
        String requestId = reply.header("x-request-id");
        await().atMost(Duration.ofSeconds(10)).until(() -> ledger().eventsOf(requestId),
                found -> found.stream().anyMatch(ReservationReleased.class::isInstance));
    }

    private void assertReleasedWith502(String path, Map<String, Object> body) {
        var account = gateway.openAccountWithCredits("1");

        var reply = gateway.post(path, account.key(), body);

        assertThat(reply.status()).as(reply.body()).isEqualTo(502);
        assertThat(reply.json().path("error").path("type").asText()).isEqualTo("upstream_error");
        String requestId = reply.header("x-request-id");
        assertThat(requestId).startsWith("req_");
        // Released by the request itself, not by the sweep minutes later.
        List<TollgateEvent> events = await().atMost(Duration.ofSeconds(10)).until(() -> ledger().eventsOf(requestId),
                found -> found.stream().anyMatch(ReservationReleased.class::isInstance));
        assertThat(events).noneMatch(CreditsDebited.class::isInstance);
    }

    private void rate(String model, Map<String, String> prices) {
        var reply = gateway.put("/admin/rates/" + provider + "/" + model, ADMIN_KEY, prices);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    }
}
