package io.tollgate.gateway.limits;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.events.LimitsChanged;
import io.tollgate.events.RequestRejected;
import io.tollgate.events.codec.EventCodec;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.LedgerWarmup;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static io.tollgate.gateway.testing.OpenAiWireFormat.COMPLETION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Limits per key and per account through real chat requests: requests per minute, tokens per minute,
 * requests in flight and a spend budget; refusals in the caller's API shape with Retry-After, and a
 * RequestRejected event in the ledger for each.
 */
class LimitsTest extends GatewayTestBase {
    private static final EventCodec CODEC = new EventCodec();

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    private GatewayHttp gateway;
    private String provider;
    private GatewayHttp.Account account;
    private String keyId;

    @BeforeEach
    void setUp() {
        gateway = gateway();
        LedgerWarmup.awaitPublishing(gateway, ledger());
        provider = OpenAiWireFormat.servingCompletions(gateway, upstream, "wmlim", "sk-limits-test-0000");
        account = gateway.openAccountWithCredits("10");
        keyId = gateway.get("/api/me", account.key()).json().path("keyId").asText();
    }

    private GatewayHttp.Reply chat(String key) {
        return gateway.post(CHAT_PATH, key, Map.of("model", provider + "/gpt-4o", "max_tokens", 50,
                "messages", List.of(Map.of("role", "user", "content", "Hello"))));
    }

    private void setKeyLimits(Map<String, Object> limits) {
        var reply = gateway.put("/admin/limits/keys/" + keyId, ADMIN_KEY, limits);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    }

    private List<RequestRejected> rejections() {
        return ledger().recordsOfAccount(account.id()).stream().map(r -> CODEC.decode(r.value()))
                .filter(RequestRejected.class::isInstance).map(RequestRejected.class::cast).toList();
    }

    @Test
    void requestsPerMinuteOfAKey() {
        setKeyLimits(Map.of("requestsPerMinute", 2));

        var first = chat(account.key());
        var second = chat(account.key());
        var third = chat(account.key());
        var anthropic = gateway.post("/v1/messages", account.key(), Map.of("model", provider + "/gpt-4o",
                "max_tokens", 10, "messages", List.of(Map.of("role", "user", "content", "Hi"))));
        var aigne = gateway.post("/api/v2/chat/completions", account.key(), Map.of("model", provider + "/gpt-4o",
                "messages", List.of(Map.of("role", "user", "content", "Hi"))));

        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(second.status()).isEqualTo(200);
        assertThat(third.status()).isEqualTo(429);
        assertThat(Long.parseLong(third.header("Retry-After"))).isBetween(1L, 60L);
        assertThat(third.json().path("error").path("type").asText()).isEqualTo("requests");
        assertThat(third.json().path("error").path("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(anthropic.status()).isEqualTo(429);
        assertThat(anthropic.header("Retry-After")).isNotNull();
        assertThat(anthropic.json().path("type").asText()).isEqualTo("error");
        assertThat(anthropic.json().path("error").path("type").asText()).isEqualTo("rate_limit_error");
        assertThat(aigne.status()).isEqualTo(429);
        assertThat(aigne.json().path("error").path("message").asText()).contains("requests per minute");

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(rejections())
                .filteredOn(r -> r.reason().equals("rate_limit_requests")).hasSize(3)
                .allSatisfy(r -> assertThat(r.httpStatus()).isEqualTo(429)));
    }

    @Test
    void requestsPerMinuteOfAnAccountSpanItsKeys() {
        var second = gateway.post("/admin/keys", ADMIN_KEY, Map.of("name", "second", "accountId", account.id()));
        String otherKey = second.json().path("key").asText();
        var set = gateway.put("/admin/limits/accounts/" + account.id(), ADMIN_KEY, Map.of("requestsPerMinute", 2));
        assertThat(set.status()).as(set.body()).isEqualTo(200);

        assertThat(chat(account.key()).status()).isEqualTo(200);
        assertThat(chat(otherKey).status()).isEqualTo(200);
        var refused = chat(otherKey);

        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.json().path("error").path("message").asText()).contains("account " + account.id());
    }

    @Test
    void tokensPerMinuteAreChargedFromTheSettledUsage() {
        setKeyLimits(Map.of("tokensPerMinute", 20));

        var first = chat(account.key());     // uses 19 + 10 tokens: the bucket goes into debt
        // Usage is charged just after the response, off the request thread.
        var second = await().atMost(Duration.ofSeconds(5)).until(() -> chat(account.key()),
                reply -> reply.status() != 200);

        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(second.status()).isEqualTo(429);
        assertThat(second.json().path("error").path("type").asText()).isEqualTo("tokens");
        assertThat(Long.parseLong(second.header("Retry-After"))).isBetween(1L, 60L);
    }

    @Test
    void concurrentRequestsOfAKey() throws Exception {
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200).withFixedDelay(1_500)
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));
        setKeyLimits(Map.of("concurrentRequests", 1));

        var slow = CompletableFuture.supplyAsync(() -> chat(account.key()));
        await().atMost(Duration.ofSeconds(5)).until(() -> !upstream.getAllServeEvents().isEmpty());
        var meanwhile = chat(account.key());
        var slowReply = slow.get();
        var after = chat(account.key());

        assertThat(meanwhile.status()).isEqualTo(429);
        assertThat(meanwhile.json().path("error").path("code").asText()).isEqualTo("concurrency_limit_exceeded");
        assertThat(meanwhile.header("Retry-After")).isEqualTo("1");
        assertThat(slowReply.status()).isEqualTo(200);
        assertThat(after.status()).isEqualTo(200);
    }

    @Test
    void aSpentBudgetIsA402UntilThePeriodRenews() {
        // One request costs 19 × 2.5 + 10 × 10 = 147.5 micro-credits; the budget is 100.
        var set = gateway.put("/admin/limits/accounts/" + account.id(), ADMIN_KEY,
                Map.of("budget", "0.0001", "budgetPeriod", "day"));
        assertThat(set.status()).as(set.body()).isEqualTo(200);

        var first = chat(account.key());
        var second = await().atMost(Duration.ofSeconds(5)).until(() -> chat(account.key()),
                reply -> reply.status() != 200);
        var own = gateway.get("/api/limits", account.key());

        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(second.status()).isEqualTo(402);
        assertThat(second.json().path("error").path("code").asText()).isEqualTo("budget_exceeded");
        assertThat(Long.parseLong(second.header("Retry-After"))).isBetween(1L, 86_401L);
        assertThat(own.json().path("account").path("effective").path("budget").decimalValue())
                .isEqualByComparingTo("0.0001");
        assertThat(own.json().path("account").path("spent").decimalValue()).isGreaterThan(new java.math.BigDecimal("0.0001"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(rejections())
                .anySatisfy(r -> {
                    assertThat(r.reason()).isEqualTo("budget_exhausted");
                    assertThat(r.httpStatus()).isEqualTo(402);
                }));
    }

    @Test
    void limitsAreValidatedAuditedAndRemovable() {
        var negative = gateway.put("/admin/limits/keys/" + keyId, ADMIN_KEY, Map.of("requestsPerMinute", -1));
        var badPeriod = gateway.put("/admin/limits/keys/" + keyId, ADMIN_KEY, Map.of("budget", "1", "budgetPeriod", "week"));
        var unknownKey = gateway.put("/admin/limits/keys/key_nope", ADMIN_KEY, Map.of("requestsPerMinute", 1));
        setKeyLimits(Map.of("requestsPerMinute", 1));
        assertThat(chat(account.key()).status()).isEqualTo(200);
        assertThat(chat(account.key()).status()).isEqualTo(429);

        var removed = gateway.delete("/admin/limits/keys/" + keyId, ADMIN_KEY);

        assertThat(negative.status()).isEqualTo(400);
        assertThat(badPeriod.status()).isEqualTo(400);
        assertThat(unknownKey.status()).isEqualTo(404);
        assertThat(removed.status()).isEqualTo(200);
        assertThat(removed.json().path("stored").isNull()).isTrue();
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(chat(account.key()).status()).isEqualTo(200));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(ledger().recordsOfAccount(account.id()))
                .map(r -> CODEC.decode(r.value())).filteredOn(LimitsChanged.class::isInstance)
                .map(LimitsChanged.class::cast)
                .anySatisfy(e -> {
                    assertThat(e.subjectId()).isEqualTo(keyId);
                    assertThat(e.requestsPerMinute()).isEqualTo(1L);
                    assertThat(e.actor()).startsWith("key_");
                })
                .anySatisfy(e -> assertThat(e.requestsPerMinute()).isNull()));
    }
}
