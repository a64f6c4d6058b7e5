package io.tollgate.gateway.chat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.TokensConsumed;
import io.tollgate.events.TollgateEvent;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import io.tollgate.gateway.testing.GatewayHttp;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.tollgate.gateway.testing.OpenAiWireFormat.STREAM_WITH_USAGE;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Server-sent events from an OpenAI-compatible provider, relayed and billed from the stream's usage chunk. */
class OpenAiStreamingTest extends GatewayTestBase {

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    /** Some OpenAI-compatible servers end a stream without any usage. */
    private static final String STREAM_WITHOUT_USAGE = """
            data: {"id":"c-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"one two three"},"finish_reason":null}]}

            data: {"id":"c-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

            data: [DONE]

            """;

    private GatewayHttp gateway;
    private String provider;

    @BeforeEach
    void registerUpstream() {
        gateway = gateway();
        provider = "wmstream" + Integer.toHexString(upstream.getPort());
        gateway.registerProvider(provider, upstream.baseUrl() + "/v1", "sk-stream-test-0000");
        gateway.setRate(provider, "gpt-4o-mini", "0.15", "0.6");
    }

    @Test
    void theStreamIsRelayedAndTheGatewayAddsUsageTheClientDidNotAskFor() {
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(STREAM_WITH_USAGE)));
        var account = gateway.openAccountWithCredits("1");

        var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o-mini",
                "stream", true, "messages", List.of(Map.of("role", "user", "content", "Say hello"))));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("Content-Type")).startsWith("text/event-stream");
        List<String> events = dataLines(reply.body());
        assertThat(events).hasSize(5).last().isEqualTo("[DONE]");
        assertThat(events).noneMatch(e -> e.contains("\"prompt_tokens\""));
        assertThat(String.join("", events)).contains("\"Hello\"").contains("\" there!\"");
        upstream.verify(postRequestedFor(urlEqualTo(CHAT_PATH)).withRequestBody(equalToJson(
                "{\"stream\":true,\"stream_options\":{\"include_usage\":true}}", true, true)));

        List<TollgateEvent> billed = awaitSettled(reply.header("x-request-id"));
        var consumed = billed.stream().filter(TokensConsumed.class::isInstance).map(TokensConsumed.class::cast)
                .findFirst().orElseThrow();
        assertThat(consumed.inputTokens()).isEqualTo(9);
        assertThat(consumed.outputTokens()).isEqualTo(3);
        assertThat(consumed.estimated()).isFalse();
        // 9 × 0.15 = 1.35 → 2, 3 × 0.6 = 1.8 → 2
        assertThat(debit(billed)).isEqualTo(4);
    }

    @Test
    void aClientThatAskedForUsageGetsTheUsageChunk() {
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(STREAM_WITH_USAGE)));
        var account = gateway.openAccountWithCredits("1");

        var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o-mini",
                "stream", true, "stream_options", Map.of("include_usage", true),
                "messages", List.of(Map.of("role", "user", "content", "Say hello"))));

        List<String> events = dataLines(reply.body());
        assertThat(events).hasSize(6);
        assertThat(events.get(4)).contains("\"prompt_tokens\":9");
        // The usage chunk waits for the settlement and says what the request cost.
        long debited = debit(awaitSettled(reply.header("x-request-id")));
        assertThat(debited).isPositive();
        assertThat(events.get(4)).contains("\"cost\":" + io.tollgate.events.support.Credits.toCredits(debited)
                .stripTrailingZeros().toPlainString() + "}");
        assertThat(events.get(5)).isEqualTo("[DONE]");
    }

    @Test
    void aStreamWithoutUsageIsCountedByTheGatewayAndMarkedEstimated() {
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(STREAM_WITHOUT_USAGE)));
        var account = gateway.openAccountWithCredits("1");

        var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o-mini",
                "stream", true, "messages", List.of(Map.of("role", "user", "content", "Count to three"))));

        assertThat(reply.status()).isEqualTo(200);
        List<TollgateEvent> billed = awaitSettled(reply.header("x-request-id"));
        var consumed = billed.stream().filter(TokensConsumed.class::isInstance).map(TokensConsumed.class::cast)
                .findFirst().orElseThrow();
        assertThat(consumed.estimated()).isTrue();
        assertThat(consumed.outputTokens()).isEqualTo(3);
        assertThat(consumed.inputTokens()).isPositive();
        assertThat(debit(billed)).isPositive();
    }

    private List<TollgateEvent> awaitSettled(String requestId) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> ledger().eventsOf(requestId),
                events -> events.stream().anyMatch(CreditsDebited.class::isInstance));
    }

    private static long debit(List<TollgateEvent> events) {
        return events.stream().filter(CreditsDebited.class::isInstance).map(CreditsDebited.class::cast)
                .mapToLong(CreditsDebited::amountMicros).sum();
    }

    private static List<String> dataLines(String body) {
        return Arrays.stream(body.split("\n")).filter(line -> line.startsWith("data: "))
                .map(line -> line.substring("data: ".length())).toList();
    }
}
