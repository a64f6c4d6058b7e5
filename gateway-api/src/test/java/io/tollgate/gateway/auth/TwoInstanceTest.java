package io.tollgate.gateway.auth;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.GatewayInstances;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.ConfigurableApplicationContext;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static io.tollgate.gateway.testing.OpenAiWireFormat.COMPLETION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two gateway instances (two application contexts on their own ports) sharing one PostgreSQL: a key
 * revoked on one stops working on the other within a second, and limits count across both.
 */
class TwoInstanceTest {
    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    private static ConfigurableApplicationContext first;
    private static ConfigurableApplicationContext second;
    private static GatewayHttp a;
    private static GatewayHttp b;

    @BeforeAll
    static void startTwoInstances() {
        String topic = "tollgate.ledger.two-instance-test." + UUID.randomUUID();
        first = GatewayInstances.start(topic);
        second = GatewayInstances.start(topic);
        a = new GatewayHttp("http://127.0.0.1:" + GatewayInstances.port(first), GatewayTestBase.ADMIN_KEY);
        b = new GatewayHttp("http://127.0.0.1:" + GatewayInstances.port(second), GatewayTestBase.ADMIN_KEY);
    }

    @AfterAll
    static void stop() {
        if (second != null) {
            second.close();
        }
        if (first != null) {
            first.close();
        }
    }

    @Test
    void aKeyRevokedOnOneInstanceStopsWorkingOnTheOtherWithinASecond() {
        var account = a.openAccountWithCredits("1");
        var issued = a.post("/admin/keys", GatewayTestBase.ADMIN_KEY, Map.of("name", "shared", "accountId", account.id()));
        String key = issued.json().path("key").asText();
        // Both instances have resolved (and cached) the key.
        assertThat(a.get("/v1/models", key).status()).isEqualTo(200);
        assertThat(b.get("/v1/models", key).status()).isEqualTo(200);

        var revoked = a.delete("/admin/keys/" + issued.json().path("id").asText(), GatewayTestBase.ADMIN_KEY);

        assertThat(revoked.status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
            assertThat(b.get("/v1/models", key).status()).isEqualTo(401);
            assertThat(a.get("/v1/models", key).status()).isEqualTo(401);
        });

        // and the other way round
        var other = b.post("/admin/keys", GatewayTestBase.ADMIN_KEY, Map.of("name", "shared 2", "accountId", account.id()));
        String otherKey = other.json().path("key").asText();
        assertThat(a.get("/v1/models", otherKey).status()).isEqualTo(200);
        assertThat(b.delete("/admin/keys/" + other.json().path("id").asText(), GatewayTestBase.ADMIN_KEY).status())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
                .untilAsserted(() -> assertThat(a.get("/v1/models", otherKey).status()).isEqualTo(401));
    }

    @Test
    void requestsPerMinuteAndRequestsInFlightCountAcrossInstances() throws Exception {
        String provider = OpenAiWireFormat.servingCompletions(a, upstream, "wm2i", "sk-two-instance-test-0000");
        var account = a.openAccountWithCredits("10");
        String keyId = a.get("/api/me", account.key()).json().path("keyId").asText();
        assertThat(a.put("/admin/limits/keys/" + keyId, GatewayTestBase.ADMIN_KEY, Map.of("requestsPerMinute", 4))
                .status()).isEqualTo(200);
        Map<String, Object> chat = Map.of("model", provider + "/gpt-4o", "max_tokens", 20,
                "messages", List.of(Map.of("role", "user", "content", "Hello")));

        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            statuses.add((i % 2 == 0 ? a : b).post(CHAT_PATH, account.key(), chat).status());
        }

        // 4 per minute in all, wherever they arrive: the fifth and sixth are refused.
        assertThat(statuses.subList(0, 4)).doesNotContain(429);
        assertThat(statuses.subList(4, 6)).containsOnly(429);

        // One request in flight across both instances.
        var second = a.openAccountWithCredits("10");
        String secondKeyId = a.get("/api/me", second.key()).json().path("keyId").asText();
        assertThat(b.put("/admin/limits/keys/" + secondKeyId, GatewayTestBase.ADMIN_KEY,
                Map.of("concurrentRequests", 1)).status()).isEqualTo(200);
        upstream.resetRequests();
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200).withFixedDelay(1_500)
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));
        var slow = CompletableFuture.supplyAsync(() -> a.post(CHAT_PATH, second.key(), chat));
        await().atMost(Duration.ofSeconds(5)).until(() -> !upstream.getAllServeEvents().isEmpty());
        var meanwhile = b.post(CHAT_PATH, second.key(), chat);

        assertThat(meanwhile.status()).isEqualTo(429);
        assertThat(meanwhile.json().path("error").path("code").asText()).isEqualTo("concurrency_limit_exceeded");
        assertThat(slow.get().status()).isEqualTo(200);
        assertThat(b.post(CHAT_PATH, second.key(), chat).status()).isNotEqualTo(429);
    }
}
