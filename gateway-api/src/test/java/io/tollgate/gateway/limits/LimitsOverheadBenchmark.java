package io.tollgate.gateway.limits;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What limits add to a request: median and p90 latency of chat completions over loopback (WireMock as the
 * provider) for a key without limits, a key with requests per minute only, and a key whose key and
 * account have all four limits (rpm, tpm, concurrency, budget), measured in one run, interleaved so that
 * drift in the machine's load hits all three alike. Not part of the suite (no *Test name); run it with
 * {@code mvn -f gateway-api/pom.xml verify -Dtest=LimitsOverheadBenchmark}.
 */
class LimitsOverheadBenchmark extends GatewayTestBase {
    private static final int WARMUP = 150;
    private static final int ROUNDS = Integer.getInteger("rounds", 400);

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    @Autowired
    DataSource dataSource;

    @Test
    void measure() {
        GatewayHttp gateway = gateway();
        String provider = OpenAiWireFormat.servingCompletions(gateway, upstream, "wmbench", "sk-bench-0000");

        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("no limits", gateway.openAccountWithCredits("1000").key());
        var rpmOnly = gateway.openAccountWithCredits("1000");
        gateway.put("/admin/limits/keys/" + keyId(gateway, rpmOnly.key()), ADMIN_KEY,
                Map.of("requestsPerMinute", 1_000_000));
        keys.put("rpm (key)", rpmOnly.key());
        var all = gateway.openAccountWithCredits("1000");
        Map<String, Object> everything = Map.of("requestsPerMinute", 1_000_000, "tokensPerMinute", 1_000_000_000L,
                "concurrentRequests", 1_000, "budget", "1000", "budgetPeriod", "day");
        assertThat(gateway.put("/admin/limits/keys/" + keyId(gateway, all.key()), ADMIN_KEY, everything).status())
                .isEqualTo(200);
        assertThat(gateway.put("/admin/limits/accounts/" + all.id(), ADMIN_KEY, everything).status()).isEqualTo(200);
        keys.put("all four, key + account", all.key());

        Map<String, Object> chat = Map.of("model", provider + "/gpt-4o", "max_tokens", 20,
                "messages", List.of(Map.of("role", "user", "content", "Hello")));
        Map<String, List<Long>> micros = new LinkedHashMap<>();
        keys.keySet().forEach(name -> micros.put(name, new ArrayList<>()));
        for (int i = 0; i < WARMUP + ROUNDS; i++) {
            for (var entry : keys.entrySet()) {
                long start = System.nanoTime();
                var reply = gateway.post(CHAT_PATH, entry.getValue(), chat);
                long took = (System.nanoTime() - start) / 1_000;
                assertThat(reply.status()).as(reply.body()).isEqualTo(200);
                if (i >= WARMUP) {
                    micros.get(entry.getKey()).add(took);
                }
            }
        }
        // What one PostgreSQL transaction costs in this run, for scale: a limit check is one or two.
        List<Long> transactions = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) {
            long start = System.nanoTime();
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                try (var statement = connection.createStatement()) {
                    statement.execute("select 1");
                }
                connection.commit();
                connection.setAutoCommit(true);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            transactions.add((System.nanoTime() - start) / 1_000);
        }
        long baseline = percentile(micros.get("no limits"), 50);
        System.out.printf("%nlimits overhead, %d interleaved requests each (chat completion over loopback)%n", ROUNDS);
        micros.forEach((name, samples) -> System.out.printf("  %-26s p50 %6d µs   p90 %6d µs   p50 overhead %+6d µs%n",
                name, percentile(samples, 50), percentile(samples, 90), percentile(samples, 50) - baseline));
        System.out.printf("  one PostgreSQL transaction (select 1) p50 %d µs%n", percentile(transactions, 50));
    }

    private static String keyId(GatewayHttp gateway, String key) {
        return gateway.get("/api/me", key).json().path("keyId").asText();
    }

    private static long percentile(List<Long> samples, int percentile) {
        long[] sorted = samples.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, sorted.length * percentile / 100)];
    }
}
