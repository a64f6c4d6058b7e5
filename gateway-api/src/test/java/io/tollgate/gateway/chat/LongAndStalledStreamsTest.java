package io.tollgate.gateway.chat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.codec.EventCodec;
import io.tollgate.events.LeaseSettled;
import io.tollgate.events.TollgateEvent;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.metering.CreditMeter;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.GatewayInstances;
import io.tollgate.gateway.testing.LedgerTopicReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Streams over real HTTP against a provider that streams slowly or goes silent, on a gateway whose credit
 * leases live 2 s and whose upstream response timeout (the longest pause in an answer) is 1.5 s: a stream longer than its lease keeps its hold
 * and is billed in full; a provider that goes quiet ends the stream with an error event in the client's
 * shape, billed for what was delivered, instead of holding the client (and the lease) for ever.
 */
class LongAndStalledStreamsTest {
    private static final String TOPIC = "tollgate.ledger.stream-test." + UUID.randomUUID();
    private static final EventCodec CODEC = new EventCodec();
    /** Events of OpenAI's stream format with usage in the last: 9 prompt and 3 completion tokens. */
    private static final List<String> EVENTS = List.of(
            chunk("{\"role\":\"assistant\",\"content\":\"\"}", null),
            chunk("{\"content\":\"Hello\"}", null),
            chunk("{\"content\":\" there\"}", null),
            chunk("{\"content\":\" friend\"}", null),
            chunk("{}", "\"stop\""),
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\","
                    + "\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,\"total_tokens\":12}}",
            "[DONE]");

    private static HttpServer provider;
    private static final CountDownLatch RELEASE_STALLED = new CountDownLatch(1);
    private static ConfigurableApplicationContext gatewayContext;
    private static GatewayHttp admin;
    private static LedgerTopicReader ledger;
    private static String providerName;

    @BeforeAll
    static void start() throws IOException {
        provider = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        provider.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        provider.createContext("/v1/chat/completions", LongAndStalledStreamsTest::serve);
        provider.start();
        gatewayContext = GatewayInstances.start(TOPIC, "--tollgate.metering.lease-ttl=2s",
                "--tollgate.metering.tick=200ms", "--tollgate.ledger.leases.settle-grace=1s",
                "--tollgate.ledger.expiry.sweep-interval=300ms", "--tollgate.upstream.response-timeout=1500ms");
        admin = new GatewayHttp("http://127.0.0.1:" + GatewayInstances.port(gatewayContext), GatewayTestBase.ADMIN_KEY);
        providerName = "slow" + Integer.toHexString(provider.getAddress().getPort());
        admin.registerProvider(providerName, "http://127.0.0.1:" + provider.getAddress().getPort() + "/v1", "sk-slow-0000");
        admin.setRate(providerName, "gpt-4o", "2.5", "10");
        ledger = new LedgerTopicReader(GatewayInstances.env("TOLLGATE_KAFKA_BOOTSTRAP", "127.0.0.1:9092"), TOPIC);
    }

    @AfterAll
    static void stop() {
        RELEASE_STALLED.countDown();
        if (ledger != null) {
            ledger.close();
        }
        if (gatewayContext != null) {
            gatewayContext.close();
        }
        if (provider != null) {
            provider.stop(0);
        }
    }

    @Test
    void aStreamLongerThanItsLeaseKeepsItsHoldAndIsBilledInFull() throws Exception {
        var account = admin.openAccountWithCredits("1");

        // Seven events 700 ms apart: about 4.9 s, over twice the lease's life plus its settle grace.
        HttpResponse<String> answer = stream("/v1/chat/completions", account.key(), "slow", Duration.ofSeconds(30));

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("Hello").contains(" friend").endsWith("data: [DONE]\n\n");
        String requestId = answer.headers().firstValue("x-request-id").orElseThrow();
        long expected = 23 + 30; // 9 × 2.5 and 3 × 10 micro-credits, each rounded up
        List<TollgateEvent> debits = await().atMost(Duration.ofSeconds(20)).until(() -> ledger.eventsOf(requestId),
                events -> events.stream().anyMatch(CreditsDebited.class::isInstance));
        assertThat(debits).filteredOn(CreditsDebited.class::isInstance).singleElement()
                .satisfies(debit -> assertThat(((CreditsDebited) debit).amountMicros()).isEqualTo(expected));
        gatewayContext.getBean(CreditMeter.class).retireLeasesOf(account.id());
        List<LeaseSettled> settled = await().atMost(Duration.ofSeconds(20)).until(() -> leasesSettled(account.id()),
                list -> !list.isEmpty());
        assertThat(settled.stream().mapToLong(LeaseSettled::debitedMicros).sum())
                .as("the ledger charged the stream in full").isEqualTo(expected);
    }

    @Test
    void aProviderThatGoesSilentEndsTheOpenAiStreamWithAnErrorEventAndBillsWhatWasDelivered() throws Exception {
        var account = admin.openAccountWithCredits("1");

        HttpResponse<String> answer = stream("/v1/chat/completions", account.key(), "stall", Duration.ofSeconds(10));

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("Hello").doesNotContain("[DONE]");
        assertThat(answer.body()).contains("\"error\"").contains("sent nothing");
        assertDeliveredTextIsBilled(answer);
    }

    @Test
    void aProviderThatGoesSilentEndsTheAnthropicStreamWithItsErrorEvent() throws Exception {
        var account = admin.openAccountWithCredits("1");

        HttpResponse<String> answer = stream("/v1/messages", account.key(), "stall", Duration.ofSeconds(10));

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("Hello").contains("event: error").contains("sent nothing")
                .doesNotContain("message_stop");
        assertDeliveredTextIsBilled(answer);
    }

    @Test
    void aProviderThatGoesSilentInTheMiddleOfAJsonAnswerIs504AndNothingIsCharged() throws Exception {
        var account = admin.openAccountWithCredits("1");

        HttpResponse<String> answer = send("/v1/chat/completions", account.key(), "stall-json", false,
                Duration.ofSeconds(10));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(504);
        assertThat(answer.body()).contains("\"code\":\"provider_timeout\"").contains("sent nothing");
    }

    /** The wait for the response headers is bounded too, though no read on the connection carries a timeout. */
    @Test
    void aProviderThatNeverSendsItsHeadersIs504AfterTheResponseTimeout() throws Exception {
        var account = admin.openAccountWithCredits("1");

        long started = System.nanoTime();
        HttpResponse<String> answer = send("/v1/chat/completions", account.key(), "silent-headers", false,
                Duration.ofSeconds(10));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(504);
        assertThat(answer.body()).contains("\"code\":\"provider_timeout\"");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
    }

    private static void assertDeliveredTextIsBilled(HttpResponse<String> answer) {
        String requestId = answer.headers().firstValue("x-request-id").orElseThrow();
        List<TollgateEvent> events = await().atMost(Duration.ofSeconds(20)).until(() -> ledger.eventsOf(requestId),
                list -> list.stream().anyMatch(CreditsDebited.class::isInstance));
        assertThat(events).filteredOn(CreditsDebited.class::isInstance).singleElement()
                .satisfies(debit -> assertThat(((CreditsDebited) debit).amountMicros()).isPositive());
    }

    /** Fails rather than hangs when the gateway never ends the stream. */
    private static HttpResponse<String> stream(String path, String key, String content, Duration timeout)
            throws Exception {
        return send(path, key, content, true, timeout);
    }

    private static HttpResponse<String> send(String path, String key, String content, boolean stream,
                                             Duration timeout) throws Exception {
        String body = "{\"model\":\"" + providerName + "/gpt-4o\",\"max_tokens\":50,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}";
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + GatewayInstances.port(gatewayContext) + path))
                .timeout(timeout)
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try (var http = HttpClient.newHttpClient()) {
            // The request timeout covers only the headers: the whole answer is bounded here.
            return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private static List<LeaseSettled> leasesSettled(String accountId) {
        return ledger.recordsOfAccount(accountId).stream().map(record -> CODEC.decode(record.value()))
                .filter(LeaseSettled.class::isInstance).map(LeaseSettled.class::cast).toList();
    }

    /**
     * "slow": every event 700 ms after the last; "stall": two events, then silence with the connection open;
     * "stall-json": the start of a JSON answer, then silence; "silent-headers": no answer at all.
     */
    private static void serve(HttpExchange exchange) throws IOException {
        String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        if (request.contains("silent-headers")) {
            try {
                RELEASE_STALLED.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        if (request.contains("stall-json")) {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write("{\"id\":\"chatcmpl-1\",".getBytes(StandardCharsets.UTF_8));
                out.flush();
                RELEASE_STALLED.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException gatewayHungUp) {
                // expected once the gateway gives up
            }
            return;
        }
        exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            boolean stall = request.contains("stall");
            for (int i = 0; i < EVENTS.size(); i++) {
                if (stall && i == 2) {
                    RELEASE_STALLED.await(60, TimeUnit.SECONDS);
                    return;
                }
                if (!stall) {
                    Thread.sleep(700);
                }
                out.write(("data: " + EVENTS.get(i) + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException gatewayHungUp) {
            // expected once the gateway gives up on a silent stream
        }
    }

    private static String chunk(String delta, String finishReason) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\","
                + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finishReason + "}],"
                + "\"usage\":null}";
    }
}
