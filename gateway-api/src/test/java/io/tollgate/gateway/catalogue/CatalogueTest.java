package io.tollgate.gateway.catalogue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Provider kinds from the built-in catalogue, and seeding a provider's rates from its kind's list prices. */
class CatalogueTest extends GatewayTestBase {
    private GatewayHttp gateway;

    @BeforeEach
    void setUp() {
        gateway = gateway();
    }

    @Test
    void theCatalogueListsEveryProviderKindWithItsWireFamily() {
        var catalogue = gateway.get("/admin/catalogue", ADMIN_KEY);

        assertThat(catalogue.status()).isEqualTo(200);
        List<String> kinds = new ArrayList<>();
        catalogue.json().path("kinds").forEach(kind -> kinds.add(kind.path("name").asText() + "=" + kind.path("wireFormat").asText()));
        assertThat(kinds).contains("openai=OPENAI", "anthropic=ANTHROPIC", "google=GEMINI", "deepseek=OPENAI",
                "xai=OPENAI", "openrouter=OPENAI", "ollama=OPENAI", "mistral=OPENAI", "groq=OPENAI",
                "doubao=OPENAI", "poe=OPENAI", "openai-compatible=OPENAI");
    }

    @Test
    void aProviderRegisteredByKindGetsItsWireFamilyAndDefaultAddress() {
        String name = "deepseek-" + System.nanoTime();

        var registered = gateway.put("/admin/providers/" + name, ADMIN_KEY,
                Map.of("kind", "deepseek", "apiKey", "sk-deepseek-test-key-0001"));

        assertThat(registered.status()).as(registered.body()).isEqualTo(200);
        assertThat(registered.json().path("wireFormat").asText()).isEqualTo("openai");
        assertThat(registered.json().path("baseUrl").asText()).isEqualTo("https://api.deepseek.com/v1");
        assertThat(gateway.put("/admin/providers/x" + name, ADMIN_KEY,
                Map.of("kind", "openai-compatible", "apiKey", "sk-x")).status()).isEqualTo(400);
        assertThat(gateway.put("/admin/providers/y" + name, ADMIN_KEY,
                Map.of("kind", "no-such-kind", "apiKey", "sk-y")).status()).isEqualTo(400);
    }

    @Test
    void doubaoAndPoeAreKindsAtTheirPublicAddressesWithListPrices() {
        String ark = "doubao-" + System.nanoTime();
        String poe = "poe-" + System.nanoTime();

        var doubao = gateway.put("/admin/providers/" + ark, ADMIN_KEY, Map.of("kind", "doubao", "apiKey", "ark-test-0001"));
        var quora = gateway.put("/admin/providers/" + poe, ADMIN_KEY, Map.of("kind", "poe", "apiKey", "poe-test-0001"));

        assertThat(doubao.status()).as(doubao.body()).isEqualTo(200);
        assertThat(doubao.json().path("wireFormat").asText()).isEqualTo("openai");
        assertThat(doubao.json().path("baseUrl").asText()).isEqualTo("https://ark.cn-beijing.volces.com/api/v3");
        assertThat(quora.status()).as(quora.body()).isEqualTo(200);
        assertThat(quora.json().path("baseUrl").asText()).isEqualTo("https://api.poe.com/v1");
        var seeded = gateway.post("/admin/catalogue/doubao/seed?provider=" + ark, ADMIN_KEY, Map.of());
        assertThat(seeded.status()).as(seeded.body()).isEqualTo(200);
        assertThat(find(seeded.json(), "doubao-seed-1-6-flash-250828").path("outputPerMillion").decimalValue())
                .isEqualByComparingTo("0.2113");
        var poeSeeded = gateway.post("/admin/catalogue/poe/seed?provider=" + poe, ADMIN_KEY, Map.of());
        assertThat(find(poeSeeded.json(), "Claude-Sonnet-4.5").path("inputPerMillion").decimalValue())
                .isEqualByComparingTo("3");
        for (JsonNode kind : gateway.get("/admin/catalogue", ADMIN_KEY).json().path("kinds")) {
            if (kind.path("name").asText().equals("doubao")) {
                assertThat(kind.path("litellmProvider").asText()).isEqualTo("volcengine");
            }
        }
    }

    @Test
    void seedingPricesEveryListedModelWithTheMarkupAndTheyBecomeCallable() {
        String name = "anthropic-" + System.nanoTime();
        gateway.put("/admin/providers/" + name, ADMIN_KEY, Map.of("kind", "anthropic", "apiKey", "sk-ant-seed-0001"));

        var seeded = gateway.post("/admin/catalogue/anthropic/seed?provider=" + name + "&markup=1.2", ADMIN_KEY, Map.of());

        assertThat(seeded.status()).as(seeded.body()).isEqualTo(200);
        JsonNode sonnet = find(seeded.json(), "claude-sonnet-4-5");
        assertThat(sonnet.path("inputPerMillion").decimalValue()).isEqualByComparingTo("3.6");
        assertThat(sonnet.path("outputPerMillion").decimalValue()).isEqualByComparingTo("18");
        assertThat(sonnet.path("cachedInputPerMillion").decimalValue()).isEqualByComparingTo("0.36");
        var models = gateway.get("/v1/models", gateway.openAccountWithCredits("1").key());
        List<String> ids = new ArrayList<>();
        models.json().path("data").forEach(model -> ids.add(model.path("id").asText()));
        assertThat(ids).contains(name + "/claude-sonnet-4-5", name + "/claude-haiku-4-5");
        var pricing = gateway.get("/api/pricing", null);
        assertThat(pricing.status()).as("the price list needs no key").isEqualTo(200);
        JsonNode listed = null;
        for (JsonNode model : pricing.json()) {
            if (model.path("id").asText().equals(name + "/claude-sonnet-4-5")) {
                listed = model;
            }
        }
        assertThat(listed).as("sonnet in the public price list").isNotNull();
        assertThat(listed.path("pricing").path("cachedInput").decimalValue()).isEqualByComparingTo("0.36");
    }

    private static JsonNode find(JsonNode rates, String model) {
        for (JsonNode rate : rates) {
            if (rate.path("model").asText().equals(model)) {
                return rate;
            }
        }
        throw new AssertionError("no rate for " + model + " in " + rates);
    }
}
