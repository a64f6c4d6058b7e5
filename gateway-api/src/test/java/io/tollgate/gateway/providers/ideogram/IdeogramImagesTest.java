package io.tollgate.gateway.providers.ideogram;

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
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Ideogram behind /v1/images/generations and AIGNE's /api/v2/image, against WireMock serving Ideogram's answer
 * shape (its API reference's "Generate with Ideogram 3.0" and legacy "Generate" responses), priced per image.
 */
class IdeogramImagesTest extends GatewayTestBase {
    private static final String API_KEY = "ideogram-test-key-000111222";
    /** Ideogram's answer: an ISO timestamp, and per image its URL, prompt, resolution, safety, seed and style. */
    private static final String TWO_IMAGES = """
            {"created":"2026-11-30T10:15:30Z","data":[
              {"prompt":"A photo of a cat sleeping on a couch.","resolution":"1312x736","is_image_safe":true,
               "seed":12345,"url":"https://ideogram.ai/api/images/ephemeral/xtdZiqPwRxqY1Y7NExFmzB.png?exp=1743867804",
               "style_type":"REALISTIC"},
              {"prompt":"A photo of a cat sleeping on a couch.","resolution":"1312x736","is_image_safe":true,
               "seed":12346,"url":"https://ideogram.ai/api/images/ephemeral/ZTNkZjY5ZWQtMjRlNC00.png?exp=1743867804",
               "style_type":"REALISTIC"}]}""";

    @RegisterExtension
    static WireMockExtension ideogram = OpenAiWireFormat.loopbackProvider();

    private GatewayHttp gateway;
    private String provider;
    private GatewayHttp.Account account;

    @BeforeEach
    void registerIdeogram() {
        gateway = gateway();
        provider = "ideogram" + ideogram.getPort();
        var registered = gateway.put("/admin/providers/" + provider, ADMIN_KEY, Map.of("kind", "ideogram",
                "baseUrl", ideogram.baseUrl(), "apiKey", API_KEY));
        assertThat(registered.status()).as(registered.body()).isEqualTo(200);
        rate("V_3_TURBO", "0.03");
        rate("V_2", "0.08");
        account = gateway.openAccountWithCredits("1");
    }

    @Test
    void ideogram3IsCalledWithItsMultipartFormAndEachImageIsCharged() {
        ideogram.stubFor(post("/v1/ideogram-v3/generate").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(TWO_IMAGES)));

        var reply = gateway.post("/v1/images/generations", account.key(), Map.of("model", provider + "/V_3_TURBO",
                "prompt", "A photo of a cat sleeping on a couch.", "n", 2, "size", "1792x1024"));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().path("data")).hasSize(2);
        assertThat(reply.json().at("/data/0/url").asText()).startsWith("https://ideogram.ai/api/images/ephemeral/");
        assertThat(reply.json().path("created").asLong()).isEqualTo(1_796_033_730L);
        ideogram.verify(postRequestedFor(urlEqualTo("/v1/ideogram-v3/generate"))
                .withHeader("Api-Key", equalTo(API_KEY))
                .withHeader("Content-Type", containing("multipart/form-data; boundary="))
                .withRequestBody(containing("name=\"prompt\"\r\n\r\nA photo of a cat sleeping on a couch.\r\n"))
                .withRequestBody(containing("name=\"num_images\"\r\n\r\n2\r\n"))
                .withRequestBody(containing("name=\"rendering_speed\"\r\n\r\nTURBO\r\n"))
                .withRequestBody(containing("name=\"aspect_ratio\"\r\n\r\n16x9\r\n")));
        // two images at 0.03 credits each
        assertThat(first(settled(reply.header("x-request-id")), CreditsDebited.class).amountMicros()).isEqualTo(60_000);
    }

    @Test
    void theLegacyModelsGoToGenerateAndAnImageWithheldAsUnsafeIsNotCharged() {
        ideogram.stubFor(post("/generate").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("""
                        {"created":"2026-11-30T10:15:30Z","data":[
                          {"prompt":"A lighthouse","resolution":"1024x1024","is_image_safe":true,"seed":1,
                           "url":"https://ideogram.ai/api/images/ephemeral/a.png","style_type":"GENERAL"},
                          {"prompt":"A lighthouse","resolution":"1024x1024","is_image_safe":false,"seed":2,
                           "style_type":"GENERAL"}]}""")));

        var reply = gateway.post("/api/v2/image", account.key(), Map.of("input", Map.of(
                "prompt", "A lighthouse", "n", 2, "size", "1024x1024", "modelOptions", Map.of("model", provider + "/V_2"))));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.body()).contains("https://ideogram.ai/api/images/ephemeral/a.png");
        ideogram.verify(postRequestedFor(urlEqualTo("/generate")).withHeader("Api-Key", equalTo(API_KEY))
                .withRequestBody(equalToJson("""
                        {"image_request":{"prompt":"A lighthouse","model":"V_2","num_images":2,"aspect_ratio":"ASPECT_1_1"}}""")));
        // one image delivered at 0.08 credits
        assertThat(first(settled(reply.header("x-request-id")), CreditsDebited.class).amountMicros()).isEqualTo(80_000);
    }

    @Test
    void aPromptIdeogramRefusesIsTheClientsErrorAndNothingIsCharged() {
        ideogram.stubFor(post("/v1/ideogram-v3/generate").willReturn(aResponse().withStatus(422)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"detail\":\"Prompt failed the safety check.\"}")));

        var reply = gateway.post("/v1/images/generations", account.key(), Map.of("model", provider + "/V_3_TURBO",
                "prompt", "something unsafe"));

        assertThat(reply.status()).as(reply.body()).isEqualTo(422);
        assertThat(reply.json().at("/error/message").asText()).isEqualTo("Prompt failed the safety check.");
        assertNothingCharged(reply.header("x-request-id"));
    }

    @Test
    void whatIdeogramCannotDoIsA400BeforeAnyCall() {
        var base64 = gateway.post("/v1/images/generations", account.key(), Map.of("model", provider + "/V_3_TURBO",
                "prompt", "a cat", "response_format", "b64_json"));
        var tooMany = gateway.post("/v1/images/generations", account.key(), Map.of("model", provider + "/V_3_TURBO",
                "prompt", "a cat", "n", 9));
        var chat = gateway.post("/v1/chat/completions", account.key(), Map.of("model", provider + "/V_3_TURBO",
                "messages", List.of(Map.of("role", "user", "content", "hi"))));

        assertThat(base64.status()).isEqualTo(400);
        assertThat(base64.json().at("/error/message").asText()).contains("URLs only");
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(tooMany.json().at("/error/message").asText()).contains("at most 8");
        assertThat(chat.status()).isEqualTo(400);
        ideogram.verify(0, postRequestedFor(urlEqualTo("/v1/ideogram-v3/generate")));
        assertNothingCharged(base64.header("x-request-id"));
    }

    private void rate(String model, String perImage) {
        var reply = gateway.put("/admin/rates/" + provider + "/" + model, ADMIN_KEY, Map.of("inputPerMillion", "0",
                "outputPerMillion", "0", "perImage", perImage));
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    }

    private void assertNothingCharged(String requestId) {
        List<TollgateEvent> events = await().atMost(Duration.ofSeconds(20)).until(() -> ledger().eventsOf(requestId),
                seen -> seen.stream().anyMatch(ReservationReleased.class::isInstance));
        assertThat(events).noneMatch(CreditsDebited.class::isInstance);
    }

    private List<TollgateEvent> settled(String requestId) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> ledger().eventsOf(requestId),
                events -> events.stream().anyMatch(CreditsDebited.class::isInstance));
    }

    private static <T> T first(List<TollgateEvent> events, Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }
}
