package io.tollgate.gateway.pricelists;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.TollgateEvent;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static io.tollgate.gateway.testing.OpenAiWireFormat.COMPLETION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Importing a LiteLLM price list through {@code POST /admin/rates/import}: a dry run only reports, an import
 * writes rate versions that the next request is billed at, a second import of the same list writes nothing,
 * the markup is applied exactly, and a bad list is refused whole.
 */
class PriceListImportTest extends GatewayTestBase {
    private static final String PRICE_LIST = resource("/pricelists/litellm-model-prices-trimmed.json");

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    @Autowired
    JdbcClient jdbc;

    private GatewayHttp gateway;
    /** A provider of this test alone: rate versions stay in the database from run to run. */
    private String provider;

    @BeforeEach
    void registerUpstream() {
        gateway = gateway();
        provider = "imp" + Long.toHexString(System.nanoTime());
        gateway.registerProvider(provider, upstream.baseUrl() + "/v1", "sk-test-provider-secret-0003");
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));
    }

    @Test
    void aDryRunReportsTheChangesAndWritesNothing() {
        var report = importList("&litellmProvider=openai&markup=1.2&dryRun=true", PRICE_LIST);

        assertThat(report.status()).as(report.body()).isEqualTo(200);
        JsonNode json = report.json();
        assertThat(json.path("dryRun").asBoolean()).isTrue();
        assertThat(json.path("litellmProvider").asText()).isEqualTo("openai");
        assertThat(models(json.path("changes"))).containsExactlyInAnyOrder("gpt-4.1", "gpt-4o", "gpt-4o-mini",
                "gpt-5", "gpt-5-mini", "o3", "text-embedding-3-large", "text-embedding-3-small");
        JsonNode gpt4o = change(json, "gpt-4o");
        assertThat(gpt4o.path("change").asText()).isEqualTo("added");
        assertThat(gpt4o.path("before").isNull()).isTrue();
        assertThat(gpt4o.path("after").path("inputPerMillion").decimalValue()).isEqualByComparingTo("3");
        assertThat(gpt4o.path("after").path("outputPerMillion").decimalValue()).isEqualByComparingTo("12");
        assertThat(gpt4o.path("after").path("cachedInputPerMillion").decimalValue()).isEqualByComparingTo("1.5");
        assertThat(json.path("summary").path("added").asInt()).isEqualTo(8);
        // Entries the gateway cannot price are reported, not guessed at.
        assertThat(skipped(json)).containsKeys("gpt-4o-realtime-preview", "1024-x-1024/dall-e-2",
                "gpt-3.5-turbo-instruct", "gpt-4o-mini-tts", "omni-moderation-latest");
        assertThat(skipped(json).get("gpt-4o-realtime-preview")).contains("input_cost_per_token");

        assertThat(gateway.get("/admin/rates/" + provider + "/gpt-4o/versions", ADMIN_KEY).json()).isEmpty();
        assertThat(storedRateEvents()).isZero();
    }

    @Test
    void anImportSetsTheRatesAndTheNextRequestIsBilledAtThem() {
        var report = importList("&litellmProvider=openai&markup=1.2", PRICE_LIST);

        assertThat(report.status()).as(report.body()).isEqualTo(200);
        assertThat(report.json().path("dryRun").asBoolean()).isFalse();
        assertThat(storedRateEvents()).isEqualTo(8);
        JsonNode versions = gateway.get("/admin/rates/" + provider + "/gpt-4o/versions", ADMIN_KEY).json();
        assertThat(versions).hasSize(1);
        assertThat(versions.get(0).path("inputPerMillion").decimalValue()).isEqualByComparingTo("3");
        assertThat(versions.get(0).path("effectiveFrom").asText())
                .isEqualTo(report.json().path("effectiveFrom").asText());
        JsonNode embedding = gateway.get("/admin/rates/" + provider + "/text-embedding-3-small/versions", ADMIN_KEY)
                .json().get(0);
        assertThat(embedding.path("embeddingPerMillion").decimalValue()).isEqualByComparingTo("0.024");
        assertThat(embedding.path("inputPerMillion").decimalValue()).isEqualByComparingTo("0");

        var account = gateway.openAccountWithCredits("10");
        var reply = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o", "max_tokens", 100,
                "messages", List.of(Map.of("role", "user", "content", "Hello there"))));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        // 19 input tokens at 3 credits per million (57 micro-credits) and 10 output tokens at 12 (120).
        List<TollgateEvent> events = await().atMost(Duration.ofSeconds(20))
                .until(() -> ledger().eventsOf(reply.header("x-request-id")),
                        seen -> seen.stream().anyMatch(CreditsDebited.class::isInstance));
        long debited = events.stream().filter(CreditsDebited.class::isInstance).map(CreditsDebited.class::cast)
                .findFirst().orElseThrow().amountMicros();
        assertThat(debited).isEqualTo(57 + 120);
    }

    @Test
    void importingTheSameListAgainReportsEverythingUnchangedAndWritesNoEvents() {
        assertThat(importList("&litellmProvider=openai&markup=1.2", PRICE_LIST).status()).isEqualTo(200);
        long eventsAfterFirst = storedRateEvents();

        var again = importList("&litellmProvider=openai&markup=1.2", PRICE_LIST);

        assertThat(again.status()).as(again.body()).isEqualTo(200);
        JsonNode summary = again.json().path("summary");
        assertThat(summary.path("unchanged").asInt()).isEqualTo(8);
        assertThat(summary.path("added").asInt()).isZero();
        assertThat(summary.path("changed").asInt()).isZero();
        assertThat(storedRateEvents()).isEqualTo(eventsAfterFirst);

        var otherMarkup = importList("&litellmProvider=openai&markup=1.5&dryRun=true", PRICE_LIST);
        JsonNode gpt4o = change(otherMarkup.json(), "gpt-4o");
        assertThat(gpt4o.path("change").asText()).isEqualTo("changed");
        assertThat(gpt4o.path("before").path("inputPerMillion").decimalValue()).isEqualByComparingTo("3");
        assertThat(gpt4o.path("after").path("inputPerMillion").decimalValue()).isEqualByComparingTo("3.75");
    }

    @Test
    void theMarkupIsAppliedInExactDecimalsAndRoundedUpToTheMicroCredit() {
        String list = """
                {"tiny/chat-model": {"litellm_provider": "tiny", "mode": "chat",
                    "input_cost_per_token": 1.234567e-07, "output_cost_per_token": 3e-07},
                 "tiny/embedder": {"litellm_provider": "tiny", "mode": "embedding", "input_cost_per_token": 1e-08},
                 "tiny/painter": {"litellm_provider": "tiny", "mode": "image_generation", "output_cost_per_image": 0.04}}
                """;

        var report = importList("&litellmProvider=tiny&markup=1.15&dryRun=true", list);

        assertThat(report.status()).as(report.body()).isEqualTo(200);
        JsonNode chat = change(report.json(), "chat-model").path("after");
        // 0.1234567 × 1.15 = 0.141975205: up to 0.141976; 0.3 × 1.15 = 0.345 exactly (a double would say 0.34499…).
        assertThat(chat.path("inputPerMillion").decimalValue()).isEqualByComparingTo("0.141976");
        assertThat(chat.path("outputPerMillion").decimalValue()).isEqualByComparingTo("0.345");
        assertThat(chat.path("cachedInputPerMillion").decimalValue()).as("no cache price: cached input costs input")
                .isEqualByComparingTo("0.141976");
        JsonNode embedder = change(report.json(), "embedder").path("after");
        assertThat(embedder.path("embeddingPerMillion").decimalValue()).isEqualByComparingTo("0.0115");
        assertThat(embedder.path("inputPerMillion").decimalValue()).isEqualByComparingTo("0");
        JsonNode painter = change(report.json(), "painter").path("after");
        assertThat(painter.path("perImage").decimalValue()).isEqualByComparingTo("0.046");
    }

    @Test
    void theLiteLlmProviderDefaultsToTheProviderKindsAndPrefixedKeysLoseTheirPrefix() {
        String google = "gem" + Long.toHexString(System.nanoTime());
        assertThat(gateway.put("/admin/providers/" + google, ADMIN_KEY,
                Map.of("kind", "google", "apiKey", "gemini-test-key-0001")).status()).isEqualTo(200);

        var report = gateway.post("/admin/rates/import?dryRun=true&provider=" + google, ADMIN_KEY, PRICE_LIST);

        assertThat(report.status()).as(report.body()).isEqualTo(200);
        assertThat(report.json().path("litellmProvider").asText()).isEqualTo("gemini");
        assertThat(models(report.json().path("changes"))).containsExactlyInAnyOrder("gemini-2.5-flash",
                "gemini-2.5-pro", "gemini-embedding-001", "imagen-4.0-generate-001");
        assertThat(change(report.json(), "imagen-4.0-generate-001").path("after").path("perImage").decimalValue())
                .isEqualByComparingTo("0.04");
        // deepseek-chat is listed twice, bare and prefixed: one model, the bare entry's.
        var deepseek = importList("&litellmProvider=deepseek&dryRun=true", PRICE_LIST);
        assertThat(models(deepseek.json().path("changes"))).containsExactlyInAnyOrder("deepseek-chat",
                "deepseek-reasoner");
        assertThat(change(deepseek.json(), "deepseek-chat").path("key").asText()).isEqualTo("deepseek-chat");
        assertThat(skipped(deepseek.json())).containsKey("deepseek/deepseek-chat");
        // A provider of no catalogue kind must name the entries to take.
        var unnamed = gateway.post("/admin/rates/import?provider=" + provider, ADMIN_KEY, PRICE_LIST);
        assertThat(unnamed.status()).isEqualTo(400);
        assertThat(unnamed.json().path("error").path("message").asText()).contains("litellmProvider");
    }

    @Test
    void aBadPriceListIsRefusedWholeNamingTheModel() {
        String valid = "\"good-model\": {\"litellm_provider\": \"x\", \"mode\": \"chat\", "
                + "\"input_cost_per_token\": 1e-06, \"output_cost_per_token\": 2e-06}";
        Map<String, String> bad = Map.of(
                "{" + valid + ", \"negative-model\": {\"litellm_provider\": \"x\", \"mode\": \"chat\", "
                        + "\"input_cost_per_token\": -1e-06, \"output_cost_per_token\": 2e-06}}", "negative-model",
                "{" + valid + ", \"nan-model\": {\"litellm_provider\": \"x\", \"mode\": \"chat\", "
                        + "\"input_cost_per_token\": \"NaN\", \"output_cost_per_token\": 2e-06}}", "nan-model",
                "{" + valid + ", \"absurd-model\": {\"litellm_provider\": \"x\", \"mode\": \"chat\", "
                        + "\"input_cost_per_token\": 1e-06, \"output_cost_per_token\": 5}}", "absurd-model",
                "{" + valid + ", \"x/bad\\u0000name\": {\"litellm_provider\": \"x\", \"mode\": \"chat\", "
                        + "\"input_cost_per_token\": 1e-06, \"output_cost_per_token\": 2e-06}}", "control characters",
                "{" + valid + ", \"image-model\": {\"litellm_provider\": \"x\", \"mode\": \"image_generation\", "
                        + "\"output_cost_per_image\": 1e9}}", "image-model",
                "{\"nan\": {\"litellm_provider\": \"x\", \"input_cost_per_token\": NaN}}", "not valid JSON",
                "[{\"model\": \"gpt-4o\"}]", "JSON object",
                "{" + valid + "", "not valid JSON",
                "{\"other\": {\"litellm_provider\": \"y\", \"mode\": \"chat\"}}", "no entries with litellm_provider 'x'",
                "", "request body");

        bad.forEach((document, named) -> {
            var reply = importList("&litellmProvider=x", document);
            assertThat(reply.status()).as(document + " → " + reply.body()).isEqualTo(400);
            assertThat(reply.json().path("error").path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(reply.json().path("error").path("message").asText()).as(document).contains(named);
        });
        String good = "{" + valid + "}";
        for (String query : List.of("&litellmProvider=x&markup=0", "&litellmProvider=x&markup=-1.2",
                "&litellmProvider=x&markup=abc", "&litellmProvider=x&markup=120",
                "&litellmProvider=x&effectiveFrom=yesterday", "&litellmProvider=x&effectiveFrom=2001-01-01T00:00:00Z")) {
            var reply = importList(query, good);
            assertThat(reply.status()).as(query + " → " + reply.body()).isEqualTo(400);
        }
        var unknownProvider = gateway.post("/admin/rates/import?litellmProvider=x&provider=no-such-" + provider,
                ADMIN_KEY, good);
        assertThat(unknownProvider.status()).isEqualTo(400);
        var notAdmin = gateway.post("/admin/rates/import?litellmProvider=x&provider=" + provider,
                gateway.openAccountWithCredits("1").key(), good);
        assertThat(notAdmin.status()).isEqualTo(403);

        assertThat(storedRateEvents()).isZero();
        assertThat(gateway.get("/admin/rates/" + provider + "/good-model/versions", ADMIN_KEY).json()).isEmpty();
    }

    // --- helpers ---

    private GatewayHttp.Reply importList(String query, String document) {
        return gateway.post("/admin/rates/import?provider=" + provider + query, ADMIN_KEY, document);
    }

    private long storedRateEvents() {
        return jdbc.sql("select count(*) from ledger.domain_event_entry where aggregate_identifier like ?")
                .param(provider + "/%").query(Long.class).single();
    }

    private static List<String> models(JsonNode changes) {
        List<String> models = new ArrayList<>();
        changes.forEach(change -> models.add(change.path("model").asText()));
        return models;
    }

    private static JsonNode change(JsonNode report, String model) {
        for (JsonNode change : report.path("changes")) {
            if (change.path("model").asText().equals(model)) {
                return change;
            }
        }
        throw new AssertionError("no change for " + model + " in " + report);
    }

    private static Map<String, String> skipped(JsonNode report) {
        Map<String, String> reasons = new java.util.HashMap<>();
        report.path("skipped").forEach(entry -> reasons.put(entry.path("key").asText(), entry.path("reason").asText()));
        return reasons;
    }

    private static String resource(String path) {
        try (InputStream in = PriceListImportTest.class.getResourceAsStream(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
