package io.tollgate.gateway.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import io.tollgate.gateway.testing.RawHttpReply;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every client string that reaches an event or a stored row is held to {@link ClientText}'s rule at the edge, with a
 * 400 in the caller's shape that names the field; bodies are capped before they are buffered (413).
 */
class EdgeInputTest extends GatewayTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper ESCAPING = new ObjectMapper()
            .enable(com.fasterxml.jackson.core.json.JsonWriteFeature.ESCAPE_NON_ASCII.mappedFeature());
    private static final List<String> HOSTILE = List.of("a\u0000b", "line\nbreak", "lone\uD800", "x".repeat(5000));

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    private GatewayHttp gateway;
    private String provider;

    @BeforeEach
    void registerUpstream() {
        gateway = gateway();
        provider = OpenAiWireFormat.servingCompletions(gateway, upstream, "wmedge", "sk-edge-test-0000");
    }

    @Test
    void hostileAdminStringsAreRefusedNamingTheFieldAndNeverReachTheLog() {
        var account = gateway.openAccountWithCredits("1");
        String accounts = "/admin/accounts/" + account.id();
        for (String hostile : HOSTILE) {
            expectRefusal(gateway.post("/admin/accounts", ADMIN_KEY, escaped(Map.of("displayName", hostile))), "displayName");
            expectRefusal(gateway.post(accounts + "/adjustments", ADMIN_KEY, escaped(Map.of("credits", "1", "reason", hostile))),
                    "reason");
            expectRefusal(gateway.post(accounts + "/close", ADMIN_KEY, escaped(Map.of("reason", hostile))), "reason");
            expectRefusal(gateway.post("/admin/keys", ADMIN_KEY, escaped(Map.of("name", hostile, "accountId", account.id()))),
                    "name");
            expectRefusal(gateway.post("/admin/keys", ADMIN_KEY, escaped(Map.of("name", "k", "accountId", hostile))),
                    "accountId");
            expectRefusal(gateway.post("/api/keys", account.key(), escaped(Map.of("name", hostile))), "name");
            expectRefusal(gateway.request("PUT", "/admin/aliases/edge-alias", ADMIN_KEY, escaped(Map.of("deployments",
                    List.of(Map.of("provider", provider, "model", hostile)))), Map.of()), "model");
            expectRefusal(gateway.request("PUT", "/admin/providers/edgeprov", ADMIN_KEY, escaped(Map.of("wireFormat",
                    "openai", "baseUrl", upstream.baseUrl() + "/v1", "apiKey", "sk-x", "kind", hostile)), Map.of()),
                    "kind");
        }
        // Path variables: an account id of kilobytes would reach the events' key and the event store.
        expectRefusal(gateway.post("/admin/accounts/" + "a".repeat(5000) + "/grants", ADMIN_KEY,
                Map.of("credits", "1")), "accountId");
        expectRefusal(gateway.post("/admin/accounts/acct%0A1/grants", ADMIN_KEY, Map.of("credits", "1")), "accountId");
        expectRefusal(gateway.put("/admin/rates/" + provider + "/m%01x", ADMIN_KEY,
                Map.of("inputPerMillion", "1", "outputPerMillion", "1")), "model");
        // An encoded NUL in the path is refused by the container itself, before the application sees it.
        var nulInPath = gateway.put("/admin/rates/" + provider + "/m%00x", ADMIN_KEY,
                Map.of("inputPerMillion", "1", "outputPerMillion", "1"));
        assertThat(nulInPath.status()).isEqualTo(400);
        assertThat(nulInPath.json().at("/error/code").asText()).as(nulInPath.body()).isEqualTo("invalid_path");

        // Still open, and nothing hostile on its stream: a valid adjustment is recorded after them.
        var valid = gateway.post(accounts + "/adjustments", ADMIN_KEY, Map.of("credits", "1", "reason", "edge check"));
        assertThat(valid.status()).as(valid.body()).isEqualTo(201);
        var records = await().atMost(Duration.ofSeconds(20)).until(() -> ledger().recordsOfAccount(account.id())
                        .stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList(),
                list -> list.stream().anyMatch(json -> json.contains("edge check")));
        assertThat(records).noneMatch(json -> json.contains("\\u0000") || json.contains("xxxxxxxxxx")
                || json.contains("AccountClosed"));
        upstream.verify(0, anyRequestedFor(anyUrl()).withHeader("Authorization", com.github.tomakehurst.wiremock
                .client.WireMock.containing("sk-x")));
    }

    @Test
    void aPathTheContainerRefusesIsAnsweredInTheCallersShapeAndNothingIsSent() {
        var account = gateway.openAccountWithCredits("1");
        Map<String, Object> chat = Map.of("model", provider + "/gpt-4o", "max_tokens", 8,
                "messages", List.of(Map.of("role", "user", "content", "Hi")));

        var openAi = gateway.post(CHAT_PATH + "%00", account.key(), chat);
        assertThat(openAi.status()).isEqualTo(400);
        assertThat(openAi.header("Content-Type")).startsWith("application/json");
        assertThat(openAi.json().at("/error/type").asText()).as(openAi.body()).isEqualTo("invalid_request_error");
        assertThat(openAi.json().at("/error/code").asText()).isEqualTo("invalid_path");
        assertThat(openAi.json().at("/error/message").asText()).isNotBlank();

        var anthropic = gateway.post("/v1/messages%00", account.key(), chat);
        assertThat(anthropic.status()).isEqualTo(400);
        assertThat(anthropic.json().at("/type").asText()).as(anthropic.body()).isEqualTo("error");
        assertThat(anthropic.json().at("/error/type").asText()).isEqualTo("invalid_request_error");

        var aigne = gateway.post("/api/v2/chat/completions%2F..", account.key(), chat);
        assertThat(aigne.status()).isEqualTo(400);
        assertThat(aigne.json().at("/error/message").asText()).as(aigne.body()).isNotBlank();
        assertThat(aigne.json().has("type")).isFalse();

        upstream.verify(0, anyRequestedFor(anyUrl()));
    }

    @Test
    void hostileClientStringsAreRefusedAndARefusalThatQuotesTheClientIsRecordedPrintable() {
        var account = gateway.openAccountWithCredits("1");
        for (String hostile : HOSTILE) {
            var chat = gateway.post(CHAT_PATH, account.key(), escaped(Map.of("model", provider + "/gpt-4o",
                    "user", hostile, "messages", List.of(Map.of("role", "user", "content", "Hi")))));
            expectRefusal(chat, "user");
        }
        // Anthropic's refusal of an unknown block type quotes the type; what reaches RequestRejected is printable.
        var messages = gateway.post("/v1/messages", account.key(), escaped(Map.of("model", provider + "/gpt-4o",
                "max_tokens", 10, "messages", List.of(Map.of("role", "user", "content",
                        List.of(Map.of("type", "bad\u0000\uD800" + "y".repeat(5000))))))));
        assertThat(messages.status()).as(messages.body()).isEqualTo(400);
        assertThat(messages.json().path("type").asText()).isEqualTo("error");

        upstream.verify(0, anyRequestedFor(anyUrl()));
        var rejections = await().atMost(Duration.ofSeconds(20)).until(() -> ledger().recordsOfAccount(account.id())
                        .stream().map(r -> new String(r.value(), StandardCharsets.UTF_8))
                        .filter(json -> json.contains("\"RequestRejected\"")).toList(),
                list -> list.size() >= HOSTILE.size() + 1);
        assertThat(rejections).allSatisfy(json -> {
            assertThat(json).doesNotContain("\\u0000").doesNotContain("\\ud800");
            assertThat(JSON.readTree(json).path("message").asText().length()).isLessThanOrEqualTo(1024);
        });
    }

    @Test
    void aBodyOverTheLimitIsA413InTheCallersShapeAfterReadingNoMoreThanTheLimit() throws Exception {
        var account = gateway.openAccountWithCredits("1");
        Map<String, String> paths = new LinkedHashMap<>();
        paths.put(CHAT_PATH, account.key());
        paths.put("/v1/messages", account.key());
        paths.put("/api/v2/chat/completions", account.key());
        paths.put("/v1/embeddings", account.key());
        paths.put("/admin/accounts", ADMIN_KEY);
        for (var path : paths.entrySet()) {
            for (boolean chunked : List.of(false, true)) {
                AtomicLong sent = new AtomicLong();
                RawHttpReply reply = sendHugeBody("POST", path.getKey(), path.getValue(), "application/json", chunked,
                        100L << 20, sent);
                assertThat(reply.status()).as(path.getKey() + (chunked ? " chunked" : "") + ": " + reply.body())
                        .isEqualTo(413);
                assertThat(sent.get()).as("answered long before 100 MB were sent").isLessThan(40L << 20);
                JsonNode error = JSON.readTree(reply.body());
                switch (path.getKey()) {
                    case "/v1/messages" -> assertThat(error.path("error").path("type").asText())
                            .isEqualTo("request_too_large");
                    case "/api/v2/chat/completions" -> assertThat(error.path("error").path("message").asText())
                            .contains("limit");
                    default -> assertThat(error.path("error").path("code").asText()).isEqualTo("request_too_large");
                }
            }
        }
        // A form body on a PUT is what Spring's FormContentFilter would read whole, ahead of the controllers.
        AtomicLong sent = new AtomicLong();
        RawHttpReply form = sendHugeBody("PUT", "/admin/limits/accounts/" + account.id(), ADMIN_KEY,
                "application/x-www-form-urlencoded", true, 100L << 20, sent);
        assertThat(form.status()).as(form.body()).isEqualTo(413);
        assertThat(sent.get()).isLessThan(40L << 20);
        upstream.verify(0, anyRequestedFor(anyUrl()));
    }

    /**
     * curl and the JDK's HttpClient announce a large body with {@code Expect: 100-continue}; the 413 must
     * reach such a client before it sends the body, not be lost to the connection's close mid-upload.
     */
    @Test
    void aClientThatWaitsFor100ContinueGetsThe413BeforeSendingTheBody() throws Exception {
        var account = gateway.openAccountWithCredits("1");
        byte[] megabyte = new byte[1 << 20];
        java.util.Arrays.fill(megabyte, (byte) 'a');
        var hundredMegabytes = java.net.http.HttpRequest.BodyPublishers.fromPublisher(
                java.net.http.HttpRequest.BodyPublishers.ofByteArrays(java.util.Collections.nCopies(100, megabyte)),
                100L << 20);
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseUrl() + CHAT_PATH))
                .expectContinue(true)
                .header("Authorization", "Bearer " + account.key())
                .header("Content-Type", "application/json")
                .POST(hundredMegabytes)
                .build();
        try (var client = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build()) {
            // The connection the client keeps from an earlier refusal must still be usable, or closed by the gateway.
            byte[] invalidUtf8 = {'{', '"', 'm', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
            var refused = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseUrl() + CHAT_PATH))
                    .header("Authorization", "Bearer " + account.key()).header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(invalidUtf8)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(400);
            var reply = client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(reply.statusCode()).as(reply.body()).isEqualTo(413);
            assertThat(JSON.readTree(reply.body()).path("error").path("code").asText()).isEqualTo("request_too_large");
        }
        upstream.verify(0, anyRequestedFor(anyUrl()));
    }

    @Test
    void invalidUtf8AndMalformedJsonAre400sInTheCallersShape() throws Exception {
        var account = gateway.openAccountWithCredits("1");
        byte[] invalidUtf8 = "{\"model\":\"x\u00ff\",\"messages\":[]}".getBytes(StandardCharsets.ISO_8859_1);
        for (String path : List.of(CHAT_PATH, "/v1/messages", "/api/v2/chat/completions", "/admin/accounts")) {
            String key = path.startsWith("/admin") ? ADMIN_KEY : account.key();
            for (byte[] body : List.of(invalidUtf8, "{\"model\": [".getBytes(StandardCharsets.UTF_8))) {
                RawHttpReply reply = raw(path, key, body);
                assertThat(reply.status()).as(path + ": " + reply.body()).isEqualTo(400);
                JsonNode error = JSON.readTree(reply.body());
                if (path.equals("/v1/messages")) {
                    assertThat(error.path("type").asText()).isEqualTo("error");
                }
                assertThat(error.path("error").path("message").asText()).isNotBlank();
            }
        }
        upstream.verify(0, anyRequestedFor(anyUrl()));
    }

    /**
     * What the container's parser refuses is named for what is wrong, not taken for a bad path: a header
     * section over {@code server.max-http-request-header-size} (8 KB) is RFC 6585's 431, a header it cannot
     * read a 400, both in the caller's shape and before anything is reserved or sent.
     */
    @Test
    void requestsTheContainerCannotParseAreNamedForWhatIsWrong() throws Exception {
        var account = gateway.openAccountWithCredits("1");
        byte[] chat = JSON.writeValueAsBytes(Map.of("model", provider + "/gpt-4o", "max_tokens", 8,
                "messages", List.of(Map.of("role", "user", "content", "Hi"))));
        // Over the limit, and small enough for the parser to have read all of it: closing with bytes unread
        // would let the kernel's reset overtake the answer.
        String padding = "X-Padding: " + "p".repeat(9_000) + "\r\n";

        RawHttpReply openAi = raw(CHAT_PATH, account.key(), chat, padding);
        assertThat(openAi.status()).as(openAi.body()).isEqualTo(431);
        JsonNode openAiError = JSON.readTree(openAi.body()).path("error");
        assertThat(openAiError.path("code").asText()).isEqualTo("request_headers_too_large");
        assertThat(openAiError.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(openAiError.path("message").asText()).contains("headers");

        RawHttpReply anthropic = raw("/v1/messages", account.key(), chat, padding);
        assertThat(anthropic.status()).as(anthropic.body()).isEqualTo(431);
        JsonNode anthropicBody = JSON.readTree(anthropic.body());
        assertThat(anthropicBody.path("type").asText()).isEqualTo("error");
        assertThat(anthropicBody.path("error").path("type").asText()).isEqualTo("invalid_request_error");

        RawHttpReply unreadable = raw(CHAT_PATH, account.key(), chat, "Bad Name: x\r\n");
        assertThat(unreadable.status()).as(unreadable.body()).isEqualTo(400);
        JsonNode unreadableError = JSON.readTree(unreadable.body()).path("error");
        assertThat(unreadableError.path("code").asText()).isEqualTo("invalid_http_request");
        assertThat(unreadableError.path("message").asText()).doesNotContain("Bad Name");

        upstream.verify(0, anyRequestedFor(anyUrl()));
    }

    /** JSON with every non-ASCII character escaped: a lone surrogate reaches the gateway as the escape itself. */
    private static String escaped(Object body) {
        try {
            return ESCAPING.writeValueAsString(body);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void expectRefusal(GatewayHttp.Reply reply, String field) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(400);
        assertThat(reply.json().path("error").path("message").asText()).as(reply.body()).contains(field);
    }

    private RawHttpReply raw(String path, String key, byte[] body) throws IOException {
        return raw(path, key, body, "");
    }

    /** @param moreHeaders header lines, each ending in CRLF; all is sent in one write */
    private RawHttpReply raw(String path, String key, byte[] body, String moreHeaders) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", publicPort()), 5000);
            socket.setSoTimeout(20_000);
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                    + "\r\n" + moreHeaders + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            request.write(body);
            OutputStream out = socket.getOutputStream();
            out.write(request.toByteArray());
            out.flush();
            return RawHttpReply.read(socket.getInputStream());
        }
    }

    /** Sends headers and then body bytes until the gateway answers; counts what was sent. */
    private RawHttpReply sendHugeBody(String method, String path, String key, String contentType, boolean chunked,
                                      long size, AtomicLong sent) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", publicPort()), 5000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write((method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Type: " + contentType + "\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + size + "\r\n")
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread writer = Thread.ofVirtual().start(() -> {
                // One JSON string that never ends: every parser has to read on until the limit stops it.
                byte[] start = "{\"displayName\":\"".getBytes(StandardCharsets.US_ASCII);
                byte[] block = new byte[64 * 1024];
                java.util.Arrays.fill(block, (byte) 'a');
                System.arraycopy(start, 0, block, 0, start.length);
                try {
                    while (sent.get() < size) {
                        if (chunked) {
                            out.write((Integer.toHexString(block.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        }
                        out.write(block);
                        if (chunked) {
                            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                        }
                        sent.addAndGet(block.length);
                        java.util.Arrays.fill(block, 0, start.length, (byte) 'a');
                    }
                } catch (IOException closedByTheGateway) {
                    // expected: it answered and closed the connection
                }
            });
            try {
                return RawHttpReply.read(socket.getInputStream());
            } finally {
                socket.close();
                writer.join(10_000);
            }
        }
    }
}
