package io.tollgate.gateway.faults;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.GatewayHttp.Reply;
import io.tollgate.gateway.testing.GatewayInstances;
import io.tollgate.gateway.testing.LedgerTopicReader;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import io.tollgate.gateway.testing.TcpProxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A gateway whose PostgreSQL goes away (every connection dropped, new ones never answered) and comes
 * back, with the defaults an operator gets: while it is away every call is answered 503 with
 * Retry-After in its caller's shape within a bound, nothing reaches the provider, readiness is DOWN;
 * within 10 s of its return every account is served, an admin grant commits, readiness is UP, all
 * without a restart.
 */
class LedgerOutageTest {
    /** What any call may take while the database is away: the pool's connection wait and some slack. */
    private static final Duration OUTAGE_ANSWER_BOUND = Duration.ofSeconds(6);
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(10);

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    private static final String topic = "tollgate.ledger.outage-test." + UUID.randomUUID();
    private static TcpProxy database;
    private static ConfigurableApplicationContext instance;
    private static GatewayHttp gateway;
    private static GatewayHttp management;

    @BeforeAll
    static void start() {
        URI real = URI.create(GatewayInstances.env("TOLLGATE_TEST_DB_URL",
                "jdbc:postgresql://127.0.0.1:5432/tollgate_test").substring("jdbc:".length()));
        database = new TcpProxy(real.getHost(), real.getPort());
        instance = GatewayInstances.start(topic,
                "--spring.datasource.url=jdbc:postgresql://127.0.0.1:" + database.port() + real.getPath());
        gateway = new GatewayHttp("http://127.0.0.1:" + GatewayInstances.port(instance), GatewayTestBase.ADMIN_KEY);
        management = new GatewayHttp("http://127.0.0.1:" + instance.getEnvironment().getProperty("local.management.port"),
                GatewayTestBase.ADMIN_KEY);
    }

    @AfterAll
    static void stop() {
        if (instance != null) {
            instance.close();
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    void whileTheDatabaseIsAwayEveryCallIs503InItsShape_andEverythingIsServedWithin10sOfItsReturn() {
        String provider = OpenAiWireFormat.servingCompletions(gateway, upstream, "wmout", "sk-outage-test-0000");
        List<GatewayHttp.Account> accounts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            accounts.add(gateway.openAccountWithCredits("5"));
        }
        Map<String, Object> chat = Map.of("model", provider + "/gpt-4o", "max_tokens", 20,
                "messages", List.of(Map.of("role", "user", "content", "Hello")));
        for (var account : accounts) {
            assertThat(gateway.post(CHAT_PATH, account.key(), chat).status()).isEqualTo(200);
        }
        var fresh = gateway.openAccountWithCredits("5");

        database.cut();
        upstream.resetRequests();
        try {
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                Reply readiness = management.get("/actuator/health/readiness", null);
                assertThat(readiness.status()).as(readiness.body()).isEqualTo(503);
                assertThat(readiness.json().path("components").path("ledger").path("status").asText())
                        .isEqualTo("DOWN");
            });
            Reply openAi = timed(() -> gateway.post(CHAT_PATH, fresh.key(), chat));
            assertUnavailable(openAi);
            assertThat(openAi.json().path("error").path("type").asText()).isEqualTo("server_error");
            assertThat(openAi.json().path("error").has("param")).as("OpenAI's error shape").isTrue();

            Reply anthropic = timed(() -> gateway.post("/v1/messages", fresh.key(), Map.of(
                    "model", provider + "/gpt-4o", "max_tokens", 20,
                    "messages", List.of(Map.of("role", "user", "content", "Hello")))));
            assertUnavailable(anthropic);
            assertThat(anthropic.json().path("type").asText()).isEqualTo("error");
            assertThat(anthropic.json().path("error").path("type").asText()).isEqualTo("overloaded_error");

            Reply aigne = timed(() -> gateway.post("/api/v2/chat/completions", fresh.key(), chat));
            assertUnavailable(aigne);
            assertThat(aigne.json().path("error").path("message").asText()).isNotBlank();

            Reply grant = timed(() -> gateway.post("/admin/accounts/" + fresh.id() + "/grants",
                    GatewayTestBase.ADMIN_KEY, Map.of("credits", "1")));
            assertUnavailable(grant);
            assertThat(upstream.getAllServeEvents()).as("nothing refused reaches the provider").isEmpty();

            for (var account : accounts) {
                Reply reply = timed(() -> gateway.post(CHAT_PATH, account.key(), chat));
                assertThat(reply.status()).as(reply.body()).isIn(200, 503);
            }
        } finally {
            database.restore();
        }
        long restoredAt = System.nanoTime();

        // One grant after the return: a pass of this loop that fails on a later check must not grant again, or the
        // topic would rightly hold one grant more than the count below expects. A pass whose grant was answered 503
        // retries it as an admin should, with the same Idempotency-Key: it may have committed all the same.
        var grantedAfterReturn = new AtomicBoolean();
        Map<String, String> grantAfterReturn = Map.of("Idempotency-Key", "outage-return-" + UUID.randomUUID());
        await().atMost(RECOVERY_BOUND).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            for (var account : accounts) {
                Reply reply = gateway.post(CHAT_PATH, account.key(), chat);
                assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            }
            assertThat(gateway.post(CHAT_PATH, fresh.key(), chat).status()).isEqualTo(200);
            if (!grantedAfterReturn.get()) {
                assertThat(gateway.post("/admin/accounts/" + fresh.id() + "/grants", GatewayTestBase.ADMIN_KEY,
                        Map.of("credits", "1"), grantAfterReturn).status()).isEqualTo(201);
                grantedAfterReturn.set(true);
            }
            Reply readiness = management.get("/actuator/health/readiness", null);
            assertThat(readiness.status()).as(readiness.body()).isEqualTo(200);
        });
        System.out.printf("served again %d ms after the database returned%n",
                Duration.ofNanos(System.nanoTime() - restoredAt).toMillis());
        // The publisher is back too: the grant made after the return is on the topic within the same 10 s. (Its
        // retry waits are bounded at 1 s; re-claiming its segment may take the claim interval, 5 s.) Publication is
        // at least once: a batch sent while the database was away, whose position could not be stored, is sent
        // again, so grants are counted by event id, as consumers de-duplicate them.
        try (var topic = new LedgerTopicReader(GatewayInstances.env("TOLLGATE_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
                LedgerOutageTest.topic)) {
            await().atMost(RECOVERY_BOUND.minus(Duration.ofNanos(System.nanoTime() - restoredAt)))
                    .untilAsserted(() -> assertThat(topic.recordsOfAccount(fresh.id()).stream()
                            .filter(record -> "CreditsGranted".equals(LedgerTopicReader.header(record, "event-type")))
                            .map(LedgerTopicReader::eventIdHeader).distinct()
                            .count()).as("grants of %s published", fresh.id()).isEqualTo(2));
        }
        System.out.printf("published again %d ms after the database returned%n",
                Duration.ofNanos(System.nanoTime() - restoredAt).toMillis());
    }

    /**
     * A ledger that takes no decision (another connection holds the account's lock, as a stuck instance
     * would): the admin call waits its bound, not for ever, and is answered 503 in the admin API's shape.
     */
    @Test
    void anAdminCallWhoseCommandIsNotAnswered_is503AfterItsBound() throws Exception {
        var account = gateway.openAccountWithCredits("1");
        String realUrl = GatewayInstances.env("TOLLGATE_TEST_DB_URL", "jdbc:postgresql://127.0.0.1:5432/tollgate_test");
        try (Connection holder = DriverManager.getConnection(realUrl, "tollgate", "tollgate")) {
            holder.setAutoCommit(false);
            try (var lock = holder.prepareStatement("select pg_advisory_xact_lock(hashtextextended(?, 0))")) {
                lock.setString(1, account.id());
                lock.execute();
            }
            Reply grant = timed(() -> gateway.post("/admin/accounts/" + account.id() + "/grants",
                    GatewayTestBase.ADMIN_KEY, Map.of("credits", "1")));
            assertUnavailable(grant);
            assertThat(grant.json().path("error").path("code").asText()).isEqualTo("ledger_unavailable");
            holder.rollback();
        }
        await().atMost(RECOVERY_BOUND).untilAsserted(() -> assertThat(gateway.post("/admin/accounts/" + account.id()
                + "/grants", GatewayTestBase.ADMIN_KEY, Map.of("credits", "1")).status()).isEqualTo(201));
    }

    private static Reply timed(Supplier<Reply> call) {
        long started = System.nanoTime();
        Reply reply = call.get();
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(took).as("answered %d after %s: %s", reply.status(), took, reply.body())
                .isLessThanOrEqualTo(OUTAGE_ANSWER_BOUND);
        return reply;
    }

    private static void assertUnavailable(Reply reply) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(503);
        assertThat(reply.header("Retry-After")).as("Retry-After on " + reply.body()).isNotBlank();
        assertThat(reply.json()).as("a JSON error body: " + reply.body()).isNotNull();
    }
}
