package io.tollgate.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ControlEndpointsTest extends MockProviderTestSupport {

    private static final String CHAT = "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";

    @Test
    void listensOnLoopbackAtAnEphemeralPort() {
        assertThat(provider.port()).isPositive();
        assertThat(provider.baseUrl()).isEqualTo("http://127.0.0.1:" + provider.port());
        assertThat(provider.config().port()).isEqualTo(provider.port());
    }

    @Test
    void healthIsUpAndNotCounted() {
        HttpResponse<String> response = get("/_mock/health");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response)).isEqualTo(json("{\"status\": \"UP\"}"));
        assertThat(provider.requestCount()).isZero();
    }

    @Test
    void countsRequestsPerEndpointAndResets() {
        post("/v1/chat/completions", CHAT);
        post("/v1/chat/completions", "{broken");
        post("/v1/messages", "{}", anthropicHeaders());
        get("/v1/unknown");

        assertThat(provider.requestCount()).isEqualTo(4);
        assertThat(provider.requestCount(MockEndpoint.OPENAI_CHAT_COMPLETIONS)).isEqualTo(2);
        assertThat(provider.stats().requests(MockEndpoint.ANTHROPIC_MESSAGES)).isEqualTo(1);
        JsonNode stats = json(get("/_mock/stats"));
        assertThat(stats.get("totalRequests").asLong()).isEqualTo(4);
        assertThat(stats.get("requestsByEndpoint").get("openai.chat.completions").asLong()).isEqualTo(2);
        assertThat(stats.get("requestsByEndpoint").get("anthropic.messages").asLong()).isEqualTo(1);
        assertThat(stats.get("requestsByEndpoint").get("unknown").asLong()).isEqualTo(1);
        assertThat(stats.get("requestsByEndpoint").get("gemini.generateContent").asLong()).isZero();

        provider.reset();
        assertThat(provider.requestCount()).isZero();
        post("/v1/chat/completions", CHAT);
        assertThat(provider.requestCount()).isEqualTo(1);

        HttpResponse<String> reset = post("/_mock/reset", "");
        assertThat(reset.statusCode()).isEqualTo(200);
        assertThat(json(reset).get("totalRequests").asLong()).isZero();
        assertThat(provider.requestCount()).isZero();
    }

    @Test
    void configEndpointChangesBehaviourAtRuntime() {
        HttpResponse<String> update = post("/_mock/config", "{\"rate429\": 1.0, \"requiredApiKey\": null}");

        assertThat(update.statusCode()).isEqualTo(200);
        assertThat(json(update).get("rate429").asDouble()).isEqualTo(1.0);
        assertThat(provider.config().rate429()).isEqualTo(1.0);
        assertThat(post("/v1/chat/completions", CHAT).statusCode()).isEqualTo(429);

        post("/_mock/config", "{\"rate429\": 0}");
        assertThat(post("/v1/chat/completions", CHAT).statusCode()).isEqualTo(200);
        assertThat(json(get("/_mock/config")).get("rate429").asDouble()).isZero();
    }

    @Test
    void invalidConfigUpdatesAreRefusedAndChangeNothing() {
        MockProviderConfig before = provider.config();

        HttpResponse<String> outOfRange = post("/_mock/config", "{\"latencyMs\": 50, \"rate500\": 1.5}");
        HttpResponse<String> unknownField = post("/_mock/config", "{\"latency\": 50}");
        HttpResponse<String> wrongType = post("/_mock/config", "{\"latencyMs\": \"slow\"}");

        assertThat(outOfRange.statusCode()).isEqualTo(400);
        assertThat(json(outOfRange).get("error").asText()).contains("rate500");
        assertThat(unknownField.statusCode()).isEqualTo(400);
        assertThat(wrongType.statusCode()).isEqualTo(400);
        assertThat(provider.config()).isEqualTo(before);
    }

    @Test
    void controlEndpointsRefuseOtherMethodsAndPaths() {
        assertThat(post("/_mock/health", "").statusCode()).isEqualTo(405);
        assertThat(get("/_mock/reset").statusCode()).isEqualTo(405);
        assertThat(get("/_mock/nothing").statusCode()).isEqualTo(404);
    }

    @Test
    void latencyDelaysTheFirstByteOfJsonAndStreamedAnswers() throws Exception {
        provider.updateConfig(provider.config().withLatencyMs(300));

        long started = System.nanoTime();
        HttpResponse<String> json = post("/v1/chat/completions", CHAT);
        Duration jsonElapsed = Duration.ofNanos(System.nanoTime() - started);

        started = System.nanoTime();
        HttpResponse<InputStream> stream = HTTP.send(request("/v1/chat/completions")
                        .POST(HttpRequest.BodyPublishers.ofString(CHAT.replace("{", "{\"stream\": true, ")))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        int firstByte = stream.body().read();
        Duration streamElapsed = Duration.ofNanos(System.nanoTime() - started);
        stream.body().close();

        assertThat(json.statusCode()).isEqualTo(200);
        assertThat(jsonElapsed).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(firstByte).isEqualTo('d');
        assertThat(streamElapsed).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void chunkDelaySpacesStreamedChunks() {
        provider.updateConfig(provider.config().withChunkDelayMs(50));

        long started = System.nanoTime();
        HttpResponse<String> response = post("/v1/chat/completions",
                "{\"model\": \"m\", \"stream\": true, \"max_tokens\": 3, "
                        + "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);

        // role, 3 words, finish, [DONE]: five pauses between six chunks.
        assertThat(parseSse(response.body())).hasSize(6);
        assertThat(elapsed).isGreaterThanOrEqualTo(Duration.ofMillis(5 * 50));
    }
}
