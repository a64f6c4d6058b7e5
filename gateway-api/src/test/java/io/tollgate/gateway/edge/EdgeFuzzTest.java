package io.tollgate.gateway.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.codec.EventCodec;
import io.tollgate.events.TollgateEvent;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static io.tollgate.gateway.testing.OpenAiWireFormat.COMPLETION;
import static io.tollgate.gateway.testing.OpenAiWireFormat.STREAM_WITH_USAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Seeded mutation fuzzing of every client endpoint and the admin API against a real gateway, with WireMock as the
 * provider: valid bodies with their values replaced (types, nesting, huge and negative numbers, unicode, NUL, lone
 * surrogates, oversized strings), fields removed or added, keys duplicated, the text cut or spliced with bytes that
 * are not UTF-8, wrong content types, hostile headers, paths and query parameters. Nothing may answer 5xx; what is
 * refused never reaches the provider and is never charged; what is answered 2xx is charged exactly once; and the
 * ledger still takes a valid request afterwards, with every record on the topic readable.
 *
 * <p>Reproduce a run with {@code -Dtollgate.fuzz.seed=…}; {@code -Dtollgate.fuzz.requests=…} changes its size.
 * Every case is built from its own index and the seed alone, whatever the order the threads send them in.
 */
class EdgeFuzzTest extends GatewayTestBase {
    private static final long SEED = Long.getLong("tollgate.fuzz.seed", 13L);
    private static final int REQUESTS = Integer.getInteger("tollgate.fuzz.requests", 10_000);
    /** Only these case numbers (comma separated), to replay a failure: -Dtollgate.fuzz.cases=116,925 */
    private static final List<Integer> ONLY = java.util.Arrays.stream(System.getProperty("tollgate.fuzz.cases", "")
            .split(",")).filter(s -> !s.isBlank()).map(s -> Integer.valueOf(s.trim())).toList();
    private static final int CALLERS = 8;
    /** Reads and writes what the gateway's own parser would refuse (nesting past 1,000, numbers of 400 digits). */
    private static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                    .maxNestingDepth(100_000).maxNumberLength(100_000).build())
            .streamWriteConstraints(com.fasterxml.jackson.core.StreamWriteConstraints.builder()
                    .maxNestingDepth(100_000).build())
            .build());
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Upstream paths that cost money: a call to one of them for a refused request is a failure. */
    private static final Set<String> BILLED_UPSTREAM = Set.of(CHAT_PATH, "/v1/embeddings", "/v1/images/generations",
            "/v1/audio/speech");
    private static final String EMBEDDINGS = """
            {"object":"list","data":[{"object":"embedding","embedding":[0.0023064255,-0.009327292],"index":0}],
            "model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}""";
    private static final String IMAGES = """
            {"created":1713833628,"data":[{"url":"https://example.invalid/img-1.png"}]}""";

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    private GatewayHttp gateway;
    private String provider;
    private GatewayHttp.Account payer;
    private String adminAccount;
    /** Requests whose pooled connection closed before any answer, sent once more on a new one. */
    private final AtomicInteger retriedOnNewConnection = new AtomicInteger();

    /** An endpoint with a valid request to mutate; {@code billed}: a 2xx is one upstream call and one debit. */
    private record Target(String method, String path, String key, String body, boolean billed) {
    }

    private record Case(int index, Target target, String method, String path, Map<String, String> headers,
                        byte[] body, String mutation) {
        @Override
        public String toString() {
            String shown = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
            return "#" + index + " " + method + " " + abbreviate(path) + " [" + mutation + "] " + headers.keySet()
                    + " (" + body.length + " bytes) " + shown;
        }
    }

    private record Outcome(Case sent, int status, String requestId, String body) {
    }

    @BeforeEach
    void setUp() {
        gateway = gateway();
        provider = "fuzz" + Integer.toHexString(upstream.getPort());
        gateway.registerProvider(provider, upstream.baseUrl() + "/v1", "sk-fuzz-provider-0001");
        gateway.setRate(provider, "gpt-4o", "2.5", "10");
        rate("text-embedding-3-small", Map.of("inputPerMillion", "0", "outputPerMillion", "0",
                "embeddingPerMillion", "0.02"));
        rate("dall-e-3", Map.of("inputPerMillion", "0", "outputPerMillion", "0", "perImage", "0.04"));
        rate("tts-1", Map.of("inputPerMillion", "0", "outputPerMillion", "0", "perSpeechCharacter", "0.000015"));
        upstream.stubFor(post(CHAT_PATH).atPriority(2).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));
        upstream.stubFor(post(CHAT_PATH).atPriority(1).withRequestBody(matchingJsonPath("$.stream", equalTo("true")))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream")
                        .withBody(STREAM_WITH_USAGE)));
        upstream.stubFor(post("/v1/embeddings").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(EMBEDDINGS)));
        upstream.stubFor(post("/v1/images/generations").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(IMAGES)));
        upstream.stubFor(post("/v1/audio/speech").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "audio/mpeg").withBody(new byte[]{(byte) 0xFF, (byte) 0xFB, 0x18, 0})));
        upstream.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get("/v1/models").willReturn(aResponse()
                .withStatus(200).withHeader("Content-Type", "application/json").withBody("{\"data\":[]}")));
        payer = gateway.openAccountWithCredits("100000");
        adminAccount = "fuzz-admin-" + UUID.randomUUID();
        var opened = gateway.post("/admin/accounts", ADMIN_KEY, Map.of("id", adminAccount, "displayName", "fuzzed"));
        assertThat(opened.status()).as(opened.body()).isEqualTo(201);
    }

    @Test
    void tenThousandMutatedRequestsGetNo5xxAndWhatIsRefusedIsNeitherSentUpstreamNorCharged() throws Exception {
        List<Target> targets = targets();
        HttpClient http = newClient();
        List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        long started = System.nanoTime();
        // Deep stacks: building and writing bodies nested thousands deep recurses, deeper still before the JIT.
        try (ExecutorService callers = Executors.newFixedThreadPool(CALLERS,
                runnable -> new Thread(null, runnable, "fuzz-caller", 256L << 20))) {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < CALLERS; c++) {
                running.add(callers.submit(() -> {
                    for (int n; (n = next.getAndIncrement()) < (ONLY.isEmpty() ? REQUESTS : ONLY.size()); ) {
                        outcomes.add(send(http, mutate(ONLY.isEmpty() ? n : ONLY.get(n), targets)));
                    }
                    return null;
                }));
            }
            for (Future<?> caller : running) {
                caller.get();
            }
        }
        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();

        Map<Integer, Long> byStatus = outcomes.stream().collect(Collectors.groupingBy(o -> o.status() / 100 * 100,
                java.util.TreeMap::new, Collectors.counting()));
        System.out.printf("fuzz: seed %d, %d requests in %d s, by status class %s; %d sent again after their"
                        + " connection closed unanswered%n", SEED, outcomes.size(), seconds, byStatus,
                retriedOnNewConnection.get());
        assertThat(outcomes).hasSize(ONLY.isEmpty() ? REQUESTS : ONLY.size());
        if (!ONLY.isEmpty()) {
            outcomes.forEach(o -> System.out.println(o.status() + " " + o.sent() + " -> " + abbreviate(o.body())));
        }
        List<String> failed = outcomes.stream().filter(o -> o.status() >= 500 || o.status() < 100)
                .map(o -> o.status() + " " + o.sent() + " -> " + abbreviate(o.body())).limit(20).toList();
        assertThat(failed).as("answers of 5xx (seed " + SEED + ")").isEmpty();

        // What was answered 2xx on a billed endpoint went upstream once; nothing refused did.
        List<Outcome> billed = outcomes.stream().filter(o -> o.sent().target().billed() && o.status() / 100 == 2)
                .toList();
        long upstreamCalls = upstream.getAllServeEvents().stream().map(ServeEvent::getRequest)
                .filter(request -> BILLED_UPSTREAM.contains(request.getUrl())).count();
        assertThat(upstreamCalls).as("upstream calls = requests answered 2xx (%d answered)", billed.size())
                .isEqualTo(billed.size());
        if (ONLY.isEmpty()) {
            assertThat(billed).as("some mutations stay valid and are served").hasSizeGreaterThan(100);
        }

        // Exactly those are charged, each once; the refused ones are not.
        Set<String> answered = billed.stream().map(Outcome::requestId).collect(Collectors.toSet());
        assertThat(answered).doesNotContainNull().hasSize(billed.size());
        Set<String> refused = outcomes.stream().filter(o -> o.status() / 100 == 4 && o.requestId() != null)
                .map(Outcome::requestId).collect(Collectors.toSet());
        List<CreditsDebited> debits = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> debitsOf(payer.id()), list -> list.size() >= answered.size());
        assertThat(debits.stream().map(CreditsDebited::requestId).toList())
                .as("one debit per request answered 2xx").doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(answered)
                .doesNotContainAnyElementsOf(refused);

        // The ledger is still fresh: a valid request afterwards is answered, billed and on the topic, and every
        // record of the fuzzed accounts is one the views can read (decodes, no NUL).
        var after = gateway.post(CHAT_PATH, payer.key(), Map.of("model", provider + "/gpt-4o",
                "messages", List.of(Map.of("role", "user", "content", "still there?"))));
        assertThat(after.status()).as(after.body()).isEqualTo(200);
        String afterId = after.header("x-request-id");
        await().atMost(Duration.ofSeconds(20)).until(() -> debitsOf(payer.id()).stream()
                .anyMatch(debit -> debit.requestId().equals(afterId)));
        EventCodec codec = new EventCodec();
        for (String account : List.of(payer.id(), adminAccount)) {
            for (ConsumerRecord<String, byte[]> record : ledger().recordsOfAccount(account)) {
                String text = new String(record.value(), StandardCharsets.UTF_8);
                assertThat(text).doesNotContain("\\u0000").doesNotContainIgnoringCase("\\ud800");
                assertThat(record.value().length).isLessThan(64 * 1024);
                codec.decode(record.value());
            }
        }
    }

    private List<CreditsDebited> debitsOf(String accountId) {
        EventCodec codec = new EventCodec();
        List<CreditsDebited> debits = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : ledger().recordsOfAccount(accountId)) {
            TollgateEvent event = codec.decode(record.value());
            if (event instanceof CreditsDebited debit) {
                debits.add(debit);
            }
        }
        return debits;
    }

    // ------------------------------------------------------------------ the endpoints and their valid requests

    private List<Target> targets() {
        String user = payer.key();
        String chat = provider + "/gpt-4o";
        String embedding = provider + "/text-embedding-3-small";
        String image = provider + "/dall-e-3";
        String messages = "[{\"role\":\"user\",\"content\":\"Say hi\"}]";
        String admin = "/admin/accounts/" + adminAccount;
        List<Target> targets = new ArrayList<>();
        targets.add(new Target("POST", CHAT_PATH, user,
                "{\"model\":\"" + chat + "\",\"messages\":" + messages + ",\"max_tokens\":20,\"user\":\"u-1\"}", true));
        targets.add(new Target("POST", CHAT_PATH, user,
                "{\"model\":\"" + chat + "\",\"messages\":" + messages + ",\"stream\":true,\"n\":1}", true));
        targets.add(new Target("POST", "/v1/messages", user, "{\"model\":\"" + chat + "\",\"max_tokens\":20,"
                + "\"system\":\"Be brief\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"Say hi\"}]}]}", true));
        targets.add(new Target("POST", "/v1/messages/count_tokens", user, "{\"model\":\"" + chat + "\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}", false));
        targets.add(new Target("POST", "/v1/embeddings", user,
                "{\"model\":\"" + embedding + "\",\"input\":[\"hello\",\"world\"]}", true));
        targets.add(new Target("POST", "/v1/images/generations", user,
                "{\"model\":\"" + image + "\",\"prompt\":\"an otter\",\"n\":1,\"size\":\"1024x1024\"}", true));
        targets.add(new Target("POST", "/v1/audio/speech", user, "{\"model\":\"" + provider + "/tts-1\","
                + "\"input\":\"Say hi\",\"voice\":\"alloy\",\"response_format\":\"mp3\",\"speed\":1.0}", true));
        targets.add(new Target("POST", "/api/v2/audio/speech", user, "{\"model\":\"" + provider + "/tts-1\","
                + "\"input\":\"Say hi\",\"voice\":\"alloy\"}", true));
        targets.add(new Target("POST", "/api/v2/chat/completions", user,
                "{\"model\":\"" + chat + "\",\"messages\":" + messages + ",\"maxTokens\":20}", true));
        targets.add(new Target("POST", "/api/v2/chat", user, "{\"input\":{\"messages\":" + messages
                + ",\"modelOptions\":{\"model\":\"" + chat + "\"}}}", true));
        targets.add(new Target("POST", "/api/v2/embeddings", user,
                "{\"model\":\"" + embedding + "\",\"input\":\"hello\"}", true));
        targets.add(new Target("POST", "/api/v2/image", user, "{\"model\":\"" + image + "\",\"prompt\":\"an otter\"}",
                true));
        targets.add(new Target("GET", "/api/v2/status?model=" + chat, user, null, false));
        targets.add(new Target("GET", "/v1/models", user, null, false));
        targets.add(new Target("POST", "/api/keys", user, "{\"name\":\"fuzzed key\",\"scopes\":[\"chat\"]}", false));
        targets.add(new Target("POST", "/admin/accounts", ADMIN_KEY, "{\"displayName\":\"Fuzzed Ltd\"}", false));
        targets.add(new Target("POST", admin + "/grants", ADMIN_KEY,
                "{\"credits\":\"1.5\",\"source\":\"PROMOTION\",\"expiresAt\":\"2031-01-01T00:00:00Z\"}", false));
        targets.add(new Target("POST", admin + "/adjustments", ADMIN_KEY,
                "{\"credits\":\"-0.000001\",\"reason\":\"fuzzed correction\"}", false));
        targets.add(new Target("POST", admin + "/close", ADMIN_KEY, "{\"reason\":\"fuzzed close\"}", false));
        targets.add(new Target("POST", "/admin/keys", ADMIN_KEY, "{\"name\":\"fuzzed\",\"accountId\":\""
                + adminAccount + "\",\"role\":\"user\",\"scopes\":[\"chat\",\"images\"],"
                + "\"expiresAt\":\"2031-01-01T00:00:00Z\"}", false));
        targets.add(new Target("PUT", "/admin/limits/accounts/" + adminAccount, ADMIN_KEY,
                "{\"requestsPerMinute\":60,\"tokensPerMinute\":10000,\"concurrentRequests\":4,\"budget\":\"5\","
                        + "\"budgetPeriod\":\"day\"}", false));
        targets.add(new Target("PUT", "/admin/aliases/fuzz-alias", ADMIN_KEY, "{\"deployments\":[{\"provider\":\""
                + provider + "\",\"model\":\"gpt-4o\"}]}", false));
        targets.add(new Target("PUT", "/admin/providers/fuzzed-provider", ADMIN_KEY, "{\"wireFormat\":\"openai\","
                + "\"baseUrl\":\"" + upstream.baseUrl() + "/unpriced\",\"apiKey\":\"sk-fuzzed-0000\"}", false));
        // Rates of a provider that does not exist: the body is bound and validated first, then refused.
        targets.add(new Target("PUT", "/admin/rates/no-such-provider/gpt-4o", ADMIN_KEY, "{\"inputPerMillion\":\"2.5\","
                + "\"outputPerMillion\":\"10\",\"perImage\":\"0.04\",\"effectiveFrom\":\"2030-01-01T00:00:00Z\"}",
                false));
        targets.add(new Target("GET", "/admin/keys?accountId=" + adminAccount, ADMIN_KEY, null, false));
        targets.add(new Target("GET", "/admin/limits/accounts/" + adminAccount, ADMIN_KEY, null, false));
        targets.add(new Target("POST", "/admin/catalogue/openai/seed?provider=no-such-provider&markup=1.2", ADMIN_KEY,
                null, false));
        return targets;
    }

    private void rate(String model, Map<String, String> prices) {
        var reply = gateway.put("/admin/rates/" + provider + "/" + model, ADMIN_KEY, prices);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    }

    // ------------------------------------------------------------------ mutation

    private Case mutate(int index, List<Target> targets) {
        Random random = new Random(SEED * 1_000_003L + index);
        Target target = targets.get(random.nextInt(targets.size()));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + target.key());
        headers.put("Content-Type", "application/json");
        String path = target.path();
        String method = target.method();
        byte[] body = target.body() == null ? new byte[0] : target.body().getBytes(StandardCharsets.UTF_8);
        List<String> applied = new ArrayList<>();
        int mutations = 1 + random.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            int kind = random.nextInt(100);
            if (kind < 45 && target.body() != null) {
                body = mutateJson(body, random, applied);
            } else if (kind < 60) {
                body = mutateText(body, random, applied);
            } else if (kind < 72) {
                mutateHeaders(headers, random, applied);
            } else if (kind < 84) {
                path = mutatePath(path, random, applied);
            } else if (kind < 90) {
                method = List.of("GET", "POST", "PUT", "PATCH", "DELETE").get(random.nextInt(5));
                applied.add("method " + method);
            } else if (target.body() != null) {
                body = mutateJson(body, random, applied);
            }
        }
        return new Case(index, target, method, path, headers, body, String.join("; ", applied));
    }

    private static byte[] mutateJson(byte[] body, Random random, List<String> applied) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException notJson) {
            return mutateText(body, random, applied);
        }
        if (root == null || !root.isContainerNode()) {
            applied.add("replace root");
            return serialize(evil(random));
        }
        List<JsonNode> containers = new ArrayList<>();
        collectContainers(root, containers);
        JsonNode container = containers.get(random.nextInt(containers.size()));
        int what = random.nextInt(10);
        if (container instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            if (what < 5 && !names.isEmpty()) {
                String name = names.get(random.nextInt(names.size()));
                JsonNode value = evil(random);
                applied.add("set " + name + "=" + abbreviate(value.toString()));
                object.set(name, value);
            } else if (what < 7 && !names.isEmpty()) {
                String name = names.get(random.nextInt(names.size()));
                applied.add("remove " + name);
                object.remove(name);
            } else if (what < 9) {
                String name = random.nextBoolean() ? evilString(random)
                        : List.of("model", "stream", "n", "max_tokens", "user", "credits", "id", "input",
                        "messages", "prompt", "accountId", "role", "scopes", "deployments").get(random.nextInt(14));
                JsonNode value = evil(random);
                applied.add("add " + abbreviate(name) + "=" + abbreviate(value.toString()));
                object.set(name, value);
            } else {
                // A duplicate key, which Jackson resolves as the last one; a parser that did otherwise would differ.
                String text = serialize(root).length > 0 ? new String(serialize(root), StandardCharsets.UTF_8) : "{}";
                String duplicate = JSON.valueToTree(names.isEmpty() ? "model" : names.get(0)) + ":" + evil(random) + ",";
                applied.add("duplicate key " + abbreviate(duplicate));
                return text.replaceFirst("\\{", java.util.regex.Matcher.quoteReplacement("{" + duplicate))
                        .getBytes(StandardCharsets.UTF_8);
            }
        } else if (container instanceof ArrayNode array) {
            if (what < 4 && !array.isEmpty()) {
                int at = random.nextInt(array.size());
                JsonNode value = evil(random);
                applied.add("array[" + at + "]=" + abbreviate(value.toString()));
                array.set(at, value);
            } else if (what < 6 && !array.isEmpty()) {
                applied.add("array remove");
                array.remove(random.nextInt(array.size()));
            } else if (what < 8) {
                applied.add("array of many");
                int copies = 1 + random.nextInt(200);
                JsonNode item = array.isEmpty() ? evil(random) : array.get(0);
                for (int i = 0; i < copies; i++) {
                    array.add(item.deepCopy());
                }
            } else {
                applied.add("array clear");
                array.removeAll();
            }
        }
        return serialize(root);
    }

    private static void collectContainers(JsonNode node, List<JsonNode> containers) {
        if (node.isContainerNode()) {
            containers.add(node);
            for (Iterator<JsonNode> children = node.elements(); children.hasNext(); ) {
                collectContainers(children.next(), containers);
            }
        }
    }

    /** Values a client should not send where the valid request has a value of its own. */
    private static JsonNode evil(Random random) {
        return switch (random.nextInt(22)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(-1);
            case 3 -> NODES.numberNode(0);
            case 4 -> NODES.numberNode(Long.MAX_VALUE);
            case 5 -> NODES.numberNode(new java.math.BigInteger("9".repeat(1 + random.nextInt(400))));
            case 6 -> NODES.numberNode(new java.math.BigDecimal("-1e" + random.nextInt(400)));
            case 7 -> NODES.numberNode(new java.math.BigDecimal("1e" + (300 + random.nextInt(200))));
            case 8 -> NODES.numberNode(random.nextDouble() * 1e6);
            case 9 -> NODES.numberNode(Integer.MIN_VALUE);
            case 10 -> NODES.objectNode().put("nested", evilString(random));
            case 11 -> NODES.arrayNode().add(evilString(random)).add(random.nextInt());
            case 12 -> deep(random.nextInt(900), random.nextBoolean()); // deeper: see "deep nesting text"
            case 13 -> NODES.textNode("");
            case 14 -> NODES.textNode("x".repeat(1 << (10 + random.nextInt(6))));
            default -> NODES.textNode(evilString(random));
        };
    }

    private static JsonNode deep(int depth, boolean arrays) {
        JsonNode node = NODES.textNode("bottom");
        for (int i = 0; i < depth; i++) {
            node = arrays ? NODES.arrayNode().add(node) : NODES.objectNode().set("d", node);
        }
        return node;
    }

    private static String evilString(Random random) {
        return switch (random.nextInt(16)) {
            case 0 -> "\u0000";
            case 1 -> "gpt-4o\u0000";
            case 2 -> "lone\uD800";
            case 3 -> "\uDC00tail";
            case 4 -> "line\nbreak\r\ttab";
            case 5 -> "\u202Eright-to-left\u200B\uFEFF";
            case 6 -> "模型-\uD83D\uDE00-🦦";
            case 7 -> "'; drop table ledger.request_event_spill; --";
            case 8 -> "../../etc/passwd";
            case 9 -> "%00%0a%ZZ";
            case 10 -> "\u007f\u0085\u009f";
            case 11 -> "${jndi:ldap://127.0.0.1/x}";
            case 12 -> "y".repeat(200 + random.nextInt(5000));
            case 13 -> "2147483648";
            case 14 -> "NaN";
            default -> "-Infinity";
        };
    }

    private static byte[] mutateText(byte[] body, Random random, List<String> applied) {
        int what = random.nextInt(8);
        switch (what) {
            case 0 -> {
                int cut = body.length == 0 ? 0 : random.nextInt(body.length);
                applied.add("truncate at " + cut);
                return java.util.Arrays.copyOf(body, cut);
            }
            case 1 -> {
                applied.add("invalid UTF-8");
                byte[] spliced = java.util.Arrays.copyOf(body, body.length + 3);
                int at = body.length == 0 ? 0 : random.nextInt(body.length);
                System.arraycopy(body, at, spliced, at + 3, body.length - at);
                byte[][] bad = {{(byte) 0xC3, 0x28, 0x41}, {(byte) 0xFF, (byte) 0xFE, 0x00},
                        {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80}};
                System.arraycopy(bad[random.nextInt(bad.length)], 0, spliced, at, 3);
                return spliced;
            }
            case 2 -> {
                applied.add("empty body");
                return new byte[0];
            }
            case 3 -> {
                applied.add("not JSON");
                return List.of("null", "[]", "\"text\"", "42", "{", "}", "{\"a\":}", "<xml/>", "model=x&n=1")
                        .get(random.nextInt(9)).getBytes(StandardCharsets.UTF_8);
            }
            case 4 -> {
                applied.add("NUL bytes");
                byte[] withNul = java.util.Arrays.copyOf(body, body.length + 1);
                return withNul;
            }
            case 5 -> {
                applied.add("deep nesting text");
                int depth = 500 + random.nextInt(5000);
                return ("[".repeat(depth) + "]".repeat(depth)).getBytes(StandardCharsets.UTF_8);
            }
            case 6 -> {
                // Rarely, a body over the limit: refused with 413 having read no more than the limit.
                if (random.nextInt(100) == 0) {
                    applied.add("11 MB body");
                    byte[] huge = new byte[11 << 20];
                    java.util.Arrays.fill(huge, (byte) 'a');
                    byte[] start = "{\"model\":\"".getBytes(StandardCharsets.UTF_8);
                    System.arraycopy(start, 0, huge, 0, start.length);
                    return huge;
                }
                applied.add("whitespace padding");
                byte[] padded = new byte[body.length + 20_000];
                java.util.Arrays.fill(padded, (byte) ' ');
                System.arraycopy(body, 0, padded, 0, body.length);
                return padded;
            }
            default -> {
                applied.add("escape soup");
                String text = new String(body, StandardCharsets.UTF_8);
                return text.replaceFirst(":\\s*\"", ":\"\\\\u0000\\\\ud800\\\\uDFFF\\\\\"")
                        .getBytes(StandardCharsets.UTF_8);
            }
        }
    }

    private static void mutateHeaders(Map<String, String> headers, Random random, List<String> applied) {
        switch (random.nextInt(10)) {
            case 0 -> {
                headers.put("Content-Type", List.of("text/plain", "application/xml", "application/x-www-form-urlencoded",
                        "multipart/form-data; boundary=x", "application/json; charset=latin1", "application/jsonx",
                        "*/*", "application/json; charset=utf-16").get(random.nextInt(8)));
                applied.add("content-type " + headers.get("Content-Type"));
            }
            case 1 -> {
                headers.remove("Content-Type");
                applied.add("no content-type");
            }
            case 2 -> {
                headers.put("Idempotency-Key", printableJunk(random, 1 + random.nextInt(400)));
                applied.add("idempotency key");
            }
            case 3 -> {
                headers.put("Authorization", List.of("Bearer ", "Basic Zm9vOmJhcg==", "Bearer tg-" + "z".repeat(5000),
                        "bearer " + printableJunk(random, 40)).get(random.nextInt(4)));
                applied.add("authorization");
            }
            case 4 -> {
                headers.remove("Authorization");
                headers.put("x-api-key", printableJunk(random, 1 + random.nextInt(100)));
                applied.add("x-api-key");
            }
            case 5 -> {
                headers.put("Accept", List.of("text/event-stream", "application/xml", "*/*;q=0", "image/png")
                        .get(random.nextInt(4)));
                applied.add("accept " + headers.get("Accept"));
            }
            case 6 -> {
                headers.put("X-Tollgate-Junk", printableJunk(random, 7000 + random.nextInt(4000)));
                applied.add("large header");
            }
            case 7 -> {
                headers.put("Idempotency-Key", "fuzz-" + UUID.randomUUID());
                applied.add("fresh idempotency key");
            }
            case 8 -> {
                headers.put("Content-Encoding", List.of("gzip", "br", "identity").get(random.nextInt(3)));
                applied.add("content-encoding " + headers.get("Content-Encoding"));
            }
            default -> {
                headers.put("Accept-Charset", "utf-7");
                applied.add("accept-charset");
            }
        }
    }

    private static String mutatePath(String path, Random random, List<String> applied) {
        String query = path.contains("?") ? path.substring(path.indexOf('?')) : "";
        String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        String junk = URLEncoder.encode(evilString(random), StandardCharsets.UTF_8);
        switch (random.nextInt(5)) {
            case 0 -> {
                String[] segments = bare.split("/");
                int at = 1 + random.nextInt(segments.length - 1);
                segments[at] = junk;
                applied.add("path segment " + at);
                return String.join("/", segments) + query;
            }
            case 1 -> {
                applied.add("query parameter");
                return bare + (query.isEmpty() ? "?" : query + "&") + junk + "=" + junk;
            }
            case 2 -> {
                applied.add("query value");
                return bare + "?model=" + junk + "&accountId=" + junk + "&provider=" + junk + "&markup=" + junk;
            }
            case 3 -> {
                applied.add("trailing segment");
                return bare + "/" + junk + query;
            }
            default -> {
                applied.add("malformed escape");
                return bare + "?q=%E0%A4%A" + query.replace('?', '&');
            }
        }
    }

    private static String printableJunk(Random random, int length) {
        StringBuilder junk = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            junk.append((char) (0x21 + random.nextInt(0x7e - 0x21)));
        }
        return junk.toString();
    }

    private static byte[] serialize(JsonNode node) {
        try {
            // Non-ASCII escaped: a lone surrogate reaches the gateway as the JSON escape, as a hostile client sends it.
            return JSON.writer().with(com.fasterxml.jackson.core.json.JsonWriteFeature.ESCAPE_NON_ASCII)
                    .writeValueAsBytes(node);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ sending

    private Outcome send(HttpClient http, Case sent) {
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(URI.create(baseUrl() + sent.path())).timeout(Duration.ofSeconds(60))
                    .method(sent.method(), sent.body().length == 0 && sent.method().equals("GET")
                            ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(sent.body()));
            sent.headers().forEach(request::header);
        } catch (IllegalArgumentException unsendable) {
            // A URI or header java.net.http refuses to send: no request, nothing to judge.
            return new Outcome(sent, 400, null, "not sent: " + unsendable.getMessage());
        }
        try {
            return answered(sent, http.send(request.build(), HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            // The gateway closed the connection after answering a body it refused to read (413): the client could
            // not finish sending.
            if (sent.body().length > (10 << 20)) {
                return new Outcome(sent, 413, null, "connection closed while sending an over-limit body");
            }
            // A connection can end before any answer without the gateway having failed: a pooled one closed by
            // the server as the request went out on it (java.net.http retries only idempotent methods), or
            // Tomcat closing with bytes still unread after refusing a header over its limit, when the kernel's
            // reset can overtake the 431. Sent once more on a new connection: input that makes the gateway drop
            // the connection fails again, and that is a failure.
            retriedOnNewConnection.incrementAndGet();
            try (HttpClient fresh = newClient()) {
                return answered(sent, fresh.send(request.build(), HttpResponse.BodyHandlers.ofString()));
            } catch (IOException again) {
                return new Outcome(sent, 0, null, "I/O failure: " + e + ", again on a new connection: " + again);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(interrupted);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static HttpClient newClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    private static Outcome answered(Case sent, HttpResponse<String> response) {
        return new Outcome(sent, response.statusCode(), response.headers().firstValue("x-request-id").orElse(null),
                response.body());
    }

    private static String abbreviate(String text) {
        if (text == null) {
            return "null";
        }
        String flat = text.replace("\n", "\\n");
        return flat.length() > 160 ? flat.substring(0, 160) + "…(" + flat.length() + ")" : flat;
    }
}
