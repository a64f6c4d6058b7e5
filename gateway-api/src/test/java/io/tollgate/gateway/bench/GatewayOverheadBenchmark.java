package io.tollgate.gateway.bench;

import com.sun.net.httpserver.HttpServer;
import io.tollgate.gateway.GatewayApplication;
import io.tollgate.gateway.testing.GatewayHttp;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;

/**
 * The gateway's own overhead over loopback: the same requests sent straight to a fake provider and through
 * Tollgate (auth, routing, reservation, relay, settlement, events), in the same run, on the real
 * PostgreSQL and Kafka. Reports the time to the first streamed byte (TTFB) and the whole JSON answer,
 * as medians and percentiles, and the difference. Nothing is asserted; run it with {@code ./tollgate bench-gateway}.
 *
 * <p>Arguments: requests per scenario (default 2000), concurrent callers (default 1).
 */
public final class GatewayOverheadBenchmark {
    private static final String ADMIN_KEY = "tg-bench-admin-key-0123456789abcdef";
    private static final String COMPLETION = """
            {"id":"chatcmpl-bench","object":"chat.completion","created":1741569952,"model":"gpt-4o",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I assist you today?"},
             "finish_reason":"stop"}],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29}}""";
    private static final String CHUNK = "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word \"},"
            + "\"finish_reason\":null}]}\n\n";
    private static final String USAGE_CHUNK = "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1,\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,"
            + "\"completion_tokens\":20,\"total_tokens\":29}}\n\ndata: [DONE]\n\n";

    private GatewayOverheadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int callers = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        HttpServer provider = fakeProvider();
        String providerUrl = "http://127.0.0.1:" + provider.getAddress().getPort() + "/v1";
        ConfigurableApplicationContext app = GatewayApplication.builder().run(
                "--server.port=0",
                "--management.server.port=0",
                "--spring.datasource.url=" + env("TOLLGATE_TEST_DB_URL", "jdbc:postgresql://127.0.0.1:5432/tollgate_test"),
                "--spring.kafka.bootstrap-servers=" + env("TOLLGATE_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
                "--tollgate.vault.master-key=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                "--tollgate.bootstrap.admin-key=" + ADMIN_KEY,
                "--tollgate.ledger.topic=tollgate.ledger.bench." + UUID.randomUUID(),
                "--tollgate.ledger.publisher-name=kafka-publisher-bench-" + UUID.randomUUID(),
                "--tollgate.ledger.publish-from-start=false",
                "--logging.level.root=WARN");
        try {
            int port = ((WebServerApplicationContext) app).getWebServer().getPort();
            var admin = new GatewayHttp("http://127.0.0.1:" + port, ADMIN_KEY);
            String name = "bench" + provider.getAddress().getPort();
            admin.registerProvider(name, providerUrl, "sk-bench-provider-key-0001");
            admin.setRate(name, "gpt-4o", "2.5", "10");
            String key = admin.openAccountWithCredits("1000000").key();
            String gateway = "http://127.0.0.1:" + port + "/v1";
            var client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String json = body(name + "/gpt-4o", false);
            String stream = body(name + "/gpt-4o", true);
            String directJson = body("gpt-4o", false);
            String directStream = body("gpt-4o", true);

            System.out.printf("%nwarming up (%d requests each way)...%n", Math.min(requests, 1000));
            run(client, providerUrl, "sk", directJson, Math.min(requests, 1000), callers, false);
            run(client, gateway, key, json, Math.min(requests, 1000), callers, false);
            run(client, gateway, key, stream, Math.min(requests, 500), callers, true);

            System.out.printf("%n%d requests per scenario, %d concurrent caller(s), %d cores; milliseconds%n",
                    requests, callers, Runtime.getRuntime().availableProcessors());
            System.out.printf("%-40s %8s %8s %8s %8s%n", "scenario", "p50", "p90", "p99", "req/s");
            Result directAnswer = report("JSON answer, straight to the provider",
                    run(client, providerUrl, "sk", directJson, requests, callers, false));
            Result viaAnswer = report("JSON answer, through Tollgate",
                    run(client, gateway, key, json, requests, callers, false));
            Result directTtfb = report("stream TTFB, straight to the provider",
                    run(client, providerUrl, "sk", directStream, requests, callers, true));
            Result viaTtfb = report("stream TTFB, through Tollgate",
                    run(client, gateway, key, stream, requests, callers, true));
            System.out.printf("%nTollgate's overhead at the median: JSON answer %+.2f ms, stream TTFB %+.2f ms%n",
                    viaAnswer.p50() - directAnswer.p50(), viaTtfb.p50() - directTtfb.p50());
            Result commit = commitBaseline(app.getBean(DataSource.class), requests);
            System.out.printf("%nbaseline, same database and run: one INSERT+COMMIT p50 %.2f ms, p90 %.2f ms, p99 %.2f ms%n",
                    commit.p50(), commit.p90(), commit.p99());
        } finally {
            app.close();
            provider.stop(0);
        }
    }

    /** What one durable write costs on this machine now: the floor under every ledger command. */
    private static Result commitBaseline(DataSource dataSource, int requests) throws SQLException {
        long[] nanos = new long[requests];
        try (Connection connection = dataSource.getConnection()) {
            try (Statement ddl = connection.createStatement()) {
                ddl.execute("create temporary table bench_commit (id bigint primary key, at timestamptz)");
            }
            connection.setAutoCommit(false);
            try (PreparedStatement insert = connection.prepareStatement("insert into bench_commit values (?, now())")) {
                long started = System.nanoTime();
                for (int i = 0; i < requests; i++) {
                    long start = System.nanoTime();
                    insert.setLong(1, i);
                    insert.executeUpdate();
                    connection.commit();
                    nanos[i] = System.nanoTime() - start;
                }
                Arrays.sort(nanos);
                return new Result(millis(nanos, 0.50), millis(nanos, 0.90), millis(nanos, 0.99),
                        requests / ((System.nanoTime() - started) / 1e9));
            }
        }
    }

    private record Result(double p50, double p90, double p99, double perSecond) {
    }

    private static Result report(String scenario, Result result) {
        System.out.printf("%-40s %8.2f %8.2f %8.2f %8.0f%n", scenario, result.p50(), result.p90(), result.p99(),
                result.perSecond());
        return result;
    }

    /** Sends the requests from {@code callers} threads; each sample is until the first byte or the whole body. */
    private static Result run(HttpClient client, String baseUrl, String key, String body, int requests, int callers,
                              boolean firstByteOnly) throws Exception {
        long[] nanos = new long[requests];
        long started = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(callers)) {
            List<Future<?>> work = new ArrayList<>();
            for (int caller = 0; caller < callers; caller++) {
                int first = caller;
                work.add(pool.submit(() -> {
                    for (int i = first; i < requests; i += callers) {
                        nanos[i] = once(client, baseUrl, key, body, firstByteOnly);
                    }
                    return null;
                }));
            }
            for (Future<?> done : work) {
                done.get();
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Arrays.sort(nanos);
        return new Result(millis(nanos, 0.50), millis(nanos, 0.90), millis(nanos, 0.99), requests / seconds);
    }

    private static long once(HttpClient client, String baseUrl, String key, String body, boolean firstByteOnly)
            throws IOException, InterruptedException {
        var request = HttpRequest.newBuilder(URI.create(baseUrl + "/chat/completions"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        long start = System.nanoTime();
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            if (response.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + response.statusCode() + ": "
                        + new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            if (firstByteOnly) {
                in.read();
                long elapsed = System.nanoTime() - start;
                in.transferTo(OutputStream.nullOutputStream());
                return elapsed;
            }
            in.transferTo(OutputStream.nullOutputStream());
            return System.nanoTime() - start;
        }
    }

    private static double millis(long[] sorted, double quantile) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(quantile * sorted.length))] / 1e6;
    }

    private static String body(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":100,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";
    }

    /** An OpenAI-compatible provider that answers at once: what is measured is everything else. */
    private static HttpServer fakeProvider() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/chat/completions", exchange -> {
            byte[] request = exchange.getRequestBody().readAllBytes();
            boolean stream = new String(request, StandardCharsets.UTF_8).contains("\"stream\":true");
            if (stream) {
                exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
                exchange.sendResponseHeaders(200, 0);
                try (OutputStream out = exchange.getResponseBody()) {
                    for (int i = 0; i < 20; i++) {
                        out.write(CHUNK.getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                    out.write(USAGE_CHUNK.getBytes(StandardCharsets.UTF_8));
                }
            } else {
                byte[] answer = COMPLETION.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, answer.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
            }
        });
        server.start();
        return server;
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value != null ? value : fallback;
    }
}
