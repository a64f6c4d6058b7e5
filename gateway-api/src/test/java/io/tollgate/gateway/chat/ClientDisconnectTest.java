package io.tollgate.gateway.chat;

import com.sun.net.httpserver.HttpServer;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.ProviderCalled;
import io.tollgate.events.TokensConsumed;
import io.tollgate.events.TollgateEvent;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client that hangs up in the middle of a stream: the gateway stops reading the provider (the provider
 * sees its connection closed) and still settles what was streamed, counted by the gateway because the
 * provider's usage chunk never came.
 */
class ClientDisconnectTest extends GatewayTestBase {
    private static final int CHUNKS = 600;

    private HttpServer slowProvider;
    private final AtomicInteger chunksWritten = new AtomicInteger();
    private final CountDownLatch providerSawHangUp = new CountDownLatch(1);
    private GatewayHttp gateway;
    private String provider;

    @BeforeEach
    void aProviderThatStreamsSlowly() throws IOException {
        slowProvider = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        slowProvider.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        slowProvider.createContext("/v1/chat/completions", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < CHUNKS; i++) {
                    out.write(("data: {\"id\":\"chatcmpl-slow\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                            + "\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word \"},"
                            + "\"finish_reason\":null}]}\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    chunksWritten.incrementAndGet();
                    Thread.sleep(20);
                }
                out.write(("data: {\"id\":\"chatcmpl-slow\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                        + "\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":"
                        + CHUNKS + ",\"total_tokens\":" + (CHUNKS + 9) + "}}\n\ndata: [DONE]\n\n")
                        .getBytes(StandardCharsets.UTF_8));
            } catch (IOException gatewayHungUp) {
                providerSawHangUp.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        slowProvider.start();
        gateway = gateway();
        provider = "slow" + slowProvider.getAddress().getPort();
        gateway.registerProvider(provider, "http://127.0.0.1:" + slowProvider.getAddress().getPort() + "/v1",
                "sk-slow-provider-key-0001");
        gateway.setRate(provider, "gpt-4o", "2.5", "10");
    }

    @AfterEach
    void stopProvider() {
        slowProvider.stop(0);
    }

    @Test
    void aClientHangingUpMidStreamCancelsTheProviderCallAndIsChargedForWhatWasStreamed() throws Exception {
        var account = gateway.openAccountWithCredits("1");
        var client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        var request = HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + account.key())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model":"%s/gpt-4o","stream":true,"max_tokens":1000,
                         "messages":[{"role":"user","content":"Count slowly"}]}""".formatted(provider)))
                .build();

        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        String requestId = response.headers().firstValue("x-request-id").orElseThrow();
        InputStream stream = response.body();
        byte[] firstBytes = stream.readNBytes(200);
        assertThat(new String(firstBytes, StandardCharsets.UTF_8)).contains("word");
        stream.close();
        client.close();

        assertThat(providerSawHangUp.await(15, TimeUnit.SECONDS))
                .as("the provider's connection is closed once the client hung up").isTrue();
        assertThat(chunksWritten.get()).isLessThan(CHUNKS);
        List<TollgateEvent> events = await().atMost(Duration.ofSeconds(20))
                .until(() -> ledger().eventsOf(requestId), seen -> seen.stream().anyMatch(CreditsDebited.class::isInstance));
        var consumed = events.stream().filter(TokensConsumed.class::isInstance).map(TokensConsumed.class::cast)
                .findFirst().orElseThrow();
        assertThat(consumed.estimated()).isTrue();
        assertThat(consumed.outputTokens()).isPositive().isLessThan(CHUNKS * 2L);
        var debited = events.stream().filter(CreditsDebited.class::isInstance).map(CreditsDebited.class::cast)
                .findFirst().orElseThrow();
        assertThat(debited.amountMicros()).isPositive();
        var attempt = events.stream().filter(ProviderCalled.class::isInstance).map(ProviderCalled.class::cast)
                .findFirst().orElseThrow();
        assertThat(attempt.errorClass()).isEqualTo("client_disconnected");
    }
}
