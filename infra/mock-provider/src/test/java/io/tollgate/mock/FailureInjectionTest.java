package io.tollgate.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FailureInjectionTest extends MockProviderTestSupport {

    private HttpResponse<String> openAiChat(String model, String... headers) {
        return post("/v1/chat/completions",
                "{\"model\": \"" + model + "\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", headers);
    }

    private HttpResponse<String> anthropicMessage(String model, String... extraHeaders) {
        List<String> headers = new ArrayList<>(List.of(anthropicHeaders()));
        headers.addAll(List.of(extraHeaders));
        return post("/v1/messages", "{\"model\": \"" + model + "\", \"max_tokens\": 10, "
                + "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", headers.toArray(String[]::new));
    }

    private HttpResponse<String> geminiGenerate(String model, String query, String... headers) {
        return post("/v1beta/models/" + model + ":generateContent" + query,
                "{\"contents\": [{\"parts\": [{\"text\": \"hi\"}]}]}", headers);
    }

    @Test
    void failureModelsAnswerInOpenAiShape() {
        HttpResponse<String> rateLimited = openAiChat("mock-fail-429");
        HttpResponse<String> serverError = openAiChat("mock-fail-500");
        HttpResponse<String> unauthorized = openAiChat("mock-fail-401");

        assertThat(rateLimited.statusCode()).isEqualTo(429);
        assertThat(rateLimited.headers().firstValue("retry-after")).isPresent();
        assertThat(json(rateLimited).get("error").get("type").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(json(rateLimited).get("error").get("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(json(rateLimited).get("error").get("param").isNull()).isTrue();
        assertThat(serverError.statusCode()).isEqualTo(500);
        assertThat(json(serverError).get("error").get("type").asText()).isEqualTo("server_error");
        assertThat(unauthorized.statusCode()).isEqualTo(401);
        assertThat(json(unauthorized).get("error").get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(json(unauthorized).get("error").get("code").asText()).isEqualTo("invalid_api_key");
    }

    @Test
    void failureModelsFailEmbeddingsToo() {
        HttpResponse<String> response = post("/v1/embeddings", "{\"model\": \"mock-fail-500\", \"input\": \"x\"}");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(json(response).get("error").get("type").asText()).isEqualTo("server_error");
    }

    @Test
    void failureModelsAnswerInAnthropicShape() {
        assertAnthropicError(anthropicMessage("mock-fail-429"), 429, "rate_limit_error");
        assertAnthropicError(anthropicMessage("mock-fail-500"), 500, "api_error");
        assertAnthropicError(anthropicMessage("mock-fail-401"), 401, "authentication_error");
    }

    @Test
    void failureModelsAnswerInGoogleShape() {
        assertGoogleError(geminiGenerate("mock-fail-429", ""), 429, "RESOURCE_EXHAUSTED");
        assertGoogleError(geminiGenerate("mock-fail-500", ""), 500, "INTERNAL");
        assertGoogleError(geminiGenerate("mock-fail-401", ""), 401, "UNAUTHENTICATED");
    }

    @Test
    void requiredApiKeyRejectsMissingAndWrongKeysInEachShape() {
        provider.updateConfig(provider.config().withRequiredApiKey("sk-right"));

        assertThat(openAiChat("m").statusCode()).isEqualTo(401);
        HttpResponse<String> wrongOpenAiKey = openAiChat("m", "Authorization", "Bearer sk-wrong");
        assertThat(wrongOpenAiKey.statusCode()).isEqualTo(401);
        assertThat(json(wrongOpenAiKey).get("error").get("code").asText()).isEqualTo("invalid_api_key");
        assertThat(openAiChat("m", "Authorization", "Bearer sk-right").statusCode()).isEqualTo(200);

        assertAnthropicError(anthropicMessage("c"), 401, "authentication_error");
        assertAnthropicError(anthropicMessage("c", "x-api-key", "sk-wrong"), 401, "authentication_error");
        assertThat(anthropicMessage("c", "x-api-key", "sk-right").statusCode()).isEqualTo(200);

        // Google answers a missing key 403 and a wrong key 400 API_KEY_INVALID, never 401.
        assertGoogleError(geminiGenerate("g", ""), 403, "PERMISSION_DENIED");
        HttpResponse<String> wrongGoogleKey = geminiGenerate("g", "?key=sk-wrong");
        assertGoogleError(wrongGoogleKey, 400, "INVALID_ARGUMENT");
        assertThat(json(wrongGoogleKey).get("error").get("details").get(0).get("reason").asText())
                .isEqualTo("API_KEY_INVALID");
        assertThat(geminiGenerate("g", "?key=sk-right").statusCode()).isEqualTo(200);
        assertThat(geminiGenerate("g", "", "x-goog-api-key", "sk-right").statusCode()).isEqualTo(200);
    }

    @Test
    void rate429OfOneRateLimitsEveryProvider() {
        provider.updateConfig(provider.config().withRate429(1.0));

        assertThat(openAiChat("m").statusCode()).isEqualTo(429);
        assertAnthropicError(anthropicMessage("c"), 429, "rate_limit_error");
        assertGoogleError(geminiGenerate("g", ""), 429, "RESOURCE_EXHAUSTED");
    }

    @Test
    void rate500OfOneFailsEveryRequest() {
        provider.updateConfig(provider.config().withRate500(1.0));

        assertThat(openAiChat("m").statusCode()).isEqualTo(500);
        assertAnthropicError(anthropicMessage("c"), 500, "api_error");
    }

    @Test
    void seededRandomFailuresRepeatAfterReset() {
        provider.updateConfig(provider.config().withRate500(0.5).withSeed(7));

        List<Integer> firstRun = statusesOf(20);
        provider.reset();
        List<Integer> secondRun = statusesOf(20);
        MockProvider sameSeed = MockProvider.start(MockProviderConfig.defaults().withRate500(0.5).withSeed(7));
        List<Integer> otherServer = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                otherServer.add(send(HttpRequest.newBuilder(URI.create(sameSeed.baseUrl() + "/v1/chat/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"))
                        .build()).statusCode());
            }
        } finally {
            sameSeed.close();
        }

        assertThat(firstRun).contains(200, 500).containsOnly(200, 500);
        assertThat(secondRun).isEqualTo(firstRun);
        assertThat(otherServer).isEqualTo(firstRun);
    }

    @Test
    void timeoutModelHoldsTheRequestWithoutAnswering() {
        HttpRequest request = request("/v1/chat/completions")
                .timeout(Duration.ofMillis(500))
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\": \"mock-timeout\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"))
                .build();

        assertThatThrownBy(() -> HTTP.send(request, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(provider.requestCount()).isEqualTo(1);

        // The held request (30 s by default) must not keep the server from stopping.
        long closeStarted = System.nanoTime();
        provider.close();
        assertThat(Duration.ofNanos(System.nanoTime() - closeStarted)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aHeldRequestIsDroppedUnansweredAfterTheHoldTime() {
        provider.updateConfig(provider.config().withRateTimeout(1.0).withTimeoutHoldMs(300));
        HttpRequest request = request("/v1beta/models/g:generateContent")
                .POST(HttpRequest.BodyPublishers.ofString("{\"contents\": [{\"parts\": [{\"text\": \"hi\"}]}]}"))
                .build();

        long started = System.nanoTime();
        assertThatThrownBy(() -> HTTP.send(request, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(HttpTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    private List<Integer> statusesOf(int requests) {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            statuses.add(openAiChat("m").statusCode());
        }
        return statuses;
    }

    private static void assertAnthropicError(HttpResponse<String> response, int status, String type) {
        assertThat(response.statusCode()).isEqualTo(status);
        JsonNode body = json(response);
        assertThat(body.get("type").asText()).isEqualTo("error");
        assertThat(body.get("error").get("type").asText()).isEqualTo(type);
        assertThat(body.get("error").get("message").asText()).isNotBlank();
    }

    private static void assertGoogleError(HttpResponse<String> response, int status, String googleStatus) {
        assertThat(response.statusCode()).isEqualTo(status);
        JsonNode error = json(response).get("error");
        assertThat(error.get("code").asInt()).isEqualTo(status);
        assertThat(error.get("status").asText()).isEqualTo(googleStatus);
        assertThat(error.get("message").asText()).isNotBlank();
    }
}
