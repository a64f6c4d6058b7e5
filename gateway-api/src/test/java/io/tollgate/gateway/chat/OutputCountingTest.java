package io.tollgate.gateway.chat;

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
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 14 item 9: output counted without the provider's usage includes tool calls and reasoning, and an
 * Anthropic cache write is billed at 1.25 times the input rate, a cache read at the cached rate.
 */
class OutputCountingTest extends GatewayTestBase {
    /** " word" is one o200k token. */
    private static final String WORDS = " word".repeat(300);

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    private GatewayHttp gateway;
    private String provider;

    @BeforeEach
    void registerUpstream() {
        gateway = gateway();
        provider = "oc" + Integer.toHexString(upstream.getPort());
        gateway.registerProvider(provider, upstream.baseUrl() + "/v1", "sk-output-counting-0001");
        gateway.setRate(provider, "deepseek-reasoner", "1", "10");
    }

    @Test
    void anAnswerWithoutUsageCountsItsToolCallsAndReasoning() {
        String completion = """
                {"id":"c1","object":"chat.completion","created":1,"model":"deepseek-reasoner","choices":[{"index":0,
                 "message":{"role":"assistant","content":null,"reasoning_content":"%s","tool_calls":[{"id":"call_1",
                 "type":"function","function":{"name":"lookup","arguments":"{\\"q\\":\\"%s\\"}"}}]},
                 "finish_reason":"tool_calls"}]}""".formatted(WORDS, WORDS);
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(completion)));
        var account = gateway.openAccountWithCredits("1");

        var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/deepseek-reasoner",
                "max_tokens", 1000, "messages", List.of(Map.of("role", "user", "content", "Look it up"))));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        var consumed = first(settled(reply.header("x-request-id")), TokensConsumed.class);
        assertThat(consumed.estimated()).isTrue();
        // 300 reasoning words and 300 argument words, the function's name and the JSON around the argument.
        assertThat(consumed.outputTokens()).isBetween(600L, 620L);
    }

    @Test
    void aStreamWithoutUsageCountsItsToolCallsAndReasoning() {
        var stream = new StringBuilder();
        String chunk = "data: {\"id\":\"c2\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                + "\"model\":\"deepseek-reasoner\",\"choices\":[{\"index\":0,\"delta\":%s,\"finish_reason\":null}]}\n\n";
        for (int i = 0; i < 300; i++) {
            stream.append(chunk.formatted("{\"reasoning_content\":\" word\"}"));
        }
        stream.append(chunk.formatted("{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"lookup\",\"arguments\":\"\"}}]}"));
        for (int i = 0; i < 300; i++) {
            stream.append(chunk.formatted("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\" word\"}}]}"));
        }
        stream.append("data: [DONE]\n\n");
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(stream.toString())));
        var account = gateway.openAccountWithCredits("1");

        var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/deepseek-reasoner",
                "stream", true, "max_tokens", 1000,
                "messages", List.of(Map.of("role", "user", "content", "Look it up"))));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        var consumed = first(settled(reply.header("x-request-id")), TokensConsumed.class);
        assertThat(consumed.estimated()).isTrue();
        assertThat(consumed.outputTokens()).isBetween(600L, 605L);
    }

    @Test
    void anthropicCacheWritesCostATimesAQuarterMoreAndCacheReadsTheCachedRate() {
        String anthropic = "oca" + Integer.toHexString(upstream.getPort());
        var registered = gateway.put("/admin/providers/" + anthropic, ADMIN_KEY, Map.of("wireFormat", "anthropic",
                "baseUrl", upstream.baseUrl() + "/anthropic/v1", "apiKey", "sk-ant-output-counting-0002"));
        assertThat(registered.status()).as(registered.body()).isEqualTo(200);
        // 4 credits per million input tokens, 0.4 cached, 20 output
        var rate = gateway.put("/admin/rates/" + anthropic + "/claude-sonnet-4-5", ADMIN_KEY, Map.of(
                "inputPerMillion", "4", "outputPerMillion", "20", "cachedInputPerMillion", "0.4"));
        assertThat(rate.status()).as(rate.body()).isEqualTo(200);
        upstream.stubFor(post("/anthropic/v1/messages").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("""
                        {"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5",
                         "content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn","stop_sequence":null,
                         "usage":{"input_tokens":100,"cache_creation_input_tokens":1000,
                                  "cache_read_input_tokens":1000,"output_tokens":10}}""")));
        var account = gateway.openAccountWithCredits("1");

        var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", anthropic + "/claude-sonnet-4-5",
                "max_tokens", 1000, "messages", List.of(Map.of("role", "user", "content", "Hi"))));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        List<TollgateEvent> events = settled(reply.header("x-request-id"));
        var consumed = first(events, TokensConsumed.class);
        assertThat(consumed.inputTokens()).isEqualTo(2_100);
        assertThat(consumed.cachedInputTokens()).isEqualTo(1_000);
        assertThat(consumed.cacheWriteTokens()).isEqualTo(1_000);
        // 100 × 4 = 400, cache writes 1,000 × 4 × 1.25 = 5,000, cache reads 1,000 × 0.4 = 400, 10 × 20 = 200
        assertThat(first(events, CreditsDebited.class).amountMicros()).isEqualTo(6_000);

        // An Anthropic client is told its usage as Anthropic counts it, cache writes apart.
        var messages = gateway.post("/v1/messages", account.key(), Map.of("model", anthropic + "/claude-sonnet-4-5",
                "max_tokens", 1000, "messages", List.of(Map.of("role", "user", "content", "Hi"))));
        assertThat(messages.status()).as(messages.body()).isEqualTo(200);
        var usage = messages.json().path("usage");
        assertThat(usage.path("input_tokens").asLong()).isEqualTo(100);
        assertThat(usage.path("cache_creation_input_tokens").asLong()).isEqualTo(1_000);
        assertThat(usage.path("cache_read_input_tokens").asLong()).isEqualTo(1_000);
    }

    private static List<TollgateEvent> settled(String requestId) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> ledger().eventsOf(requestId),
                events -> events.stream().anyMatch(CreditsDebited.class::isInstance));
    }

    private static <T> T first(List<TollgateEvent> events, Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }
}
