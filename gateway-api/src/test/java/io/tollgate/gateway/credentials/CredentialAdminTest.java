package io.tollgate.gateway.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.providers.Provider;
import io.tollgate.gateway.providers.ProviderRegistry;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The credential admin API over real HTTP, with each wire family's GET /models served by WireMock: keys are
 * tested before they are stored, refused ones are not stored, and no response ever holds a plain key.
 */
class CredentialAdminTest extends GatewayTestBase {
    private static final String INITIAL_KEY = "sk-initial-credential-00000001";
    private static final String GOOD_KEY = "sk-good-credential-0000000002";
    private static final String BAD_KEY = "sk-bad-credential-00000000003";
    private static final String OPENAI_401 = """
            {"error":{"message":"Incorrect API key provided: sk-bad-cr*****0003. You can find your API key at \
            https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,\
            "code":"invalid_api_key"}}""";
    private static final String OPENAI_MODELS = """
            {"object":"list","data":[{"id":"gpt-4o","object":"model","created":1686935002,"owned_by":"openai"}]}""";

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    @LocalServerPort
    int localPort;
    @Autowired
    ProviderRegistry registry;

    private GatewayHttp gateway;
    private AdminCalls admin;
    private String provider;
    private String credentials;

    @BeforeEach
    void registerProvider() {
        gateway = gateway();
        admin = new AdminCalls(localPort, ADMIN_KEY);
        provider = "cred" + UUID.randomUUID().toString().substring(0, 8);
        credentials = "/admin/providers/" + provider + "/credentials";
        gateway.registerProvider(provider, upstream.baseUrl() + "/v1", INITIAL_KEY);
        upstream.stubFor(get("/v1/models").withHeader("Authorization", equalTo("Bearer " + GOOD_KEY))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(OPENAI_MODELS)));
        upstream.stubFor(get("/v1/models").withHeader("Authorization", equalTo("Bearer " + BAD_KEY))
                .willReturn(aResponse().withStatus(401).withHeader("Content-Type", "application/json")
                        .withBody(OPENAI_401)));
    }

    @Test
    void aKeyTheProviderRefusesIsAnsweredWith422AndNotStored() {
        var reply = gateway.post(credentials, ADMIN_KEY, Map.of("apiKey", BAD_KEY, "weight", 2));

        assertThat(reply.status()).as(reply.body()).isEqualTo(422);
        assertThat(reply.json().path("error").path("code").asText()).isEqualTo("credential_rejected");
        assertThat(reply.json().path("error").path("message").asText())
                .contains("rejected the key", "401", "Nothing was stored");
        assertThat(reply.body()).doesNotContain(BAD_KEY).doesNotContain("sk-bad-cr");
        upstream.verify(getRequestedFor(urlEqualTo("/v1/models")).withHeader("Authorization",
                equalTo("Bearer " + BAD_KEY)));
        assertThat(listing()).hasSize(1);
        assertThat(registry.find(provider).orElseThrow().credentials()).extracting(Provider.Credential::secret)
                .containsExactly(INITIAL_KEY);
    }

    @Test
    void aKeyTheProviderAcceptsIsStoredAndListedMaskedOnly() {
        var reply = gateway.post(credentials, ADMIN_KEY, Map.of("apiKey", GOOD_KEY, "weight", 3, "name", "team B"));

        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        JsonNode added = reply.json();
        assertThat(added.path("id").asText()).startsWith("cred_");
        assertThat(added.path("masked").asText()).isEqualTo("sk-g…0002");
        assertThat(added.path("weight").asInt()).isEqualTo(3);
        assertThat(added.path("name").asText()).isEqualTo("team B");
        assertThat(added.path("status").asText()).isEqualTo("active");
        assertThat(added.path("checkedAt").isNull()).isFalse();
        assertThat(reply.body()).doesNotContain(GOOD_KEY);

        var listing = gateway.get(credentials, ADMIN_KEY);
        assertThat(listing.status()).isEqualTo(200);
        assertThat(listing.body()).doesNotContain(GOOD_KEY).doesNotContain(INITIAL_KEY)
                .contains("sk-g…0002", "sk-i…0001");
        assertThat(listing.json()).hasSize(2);
        var providers = gateway.get("/admin/providers", ADMIN_KEY);
        assertThat(providers.body()).doesNotContain(GOOD_KEY).doesNotContain(INITIAL_KEY).contains("sk-g…0002");
        var one = gateway.get("/admin/providers/" + provider, ADMIN_KEY);
        assertThat(one.json().path("credentials")).hasSize(2);

        assertThat(registry.find(provider).orElseThrow().credentials())
                .extracting(Provider.Credential::secret, Provider.Credential::weight)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(INITIAL_KEY, 1),
                        org.assertj.core.groups.Tuple.tuple(GOOD_KEY, 3));
    }

    @Test
    void eachWireFamilyIsTestedWithItsOwnAuthentication() {
        String anthropic = provider + "-anthropic";
        gateway.put("/admin/providers/" + anthropic, ADMIN_KEY, Map.of("wireFormat", "anthropic",
                "baseUrl", upstream.baseUrl() + "/anthropic/v1", "apiKey", "sk-ant-initial-000000000001"));
        upstream.stubFor(get("/anthropic/v1/models").withHeader("x-api-key", equalTo("sk-ant-api03-good-00000004"))
                .withHeader("anthropic-version", equalTo("2023-06-01"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody("""
                        {"data":[{"type":"model","id":"claude-sonnet-4-20250514","display_name":"Claude Sonnet 4",\
                        "created_at":"2025-05-22T00:00:00Z"}],"has_more":false,"first_id":"claude-sonnet-4-20250514",\
                        "last_id":"claude-sonnet-4-20250514"}""")));
        upstream.stubFor(get("/anthropic/v1/models").withHeader("x-api-key", equalTo("sk-ant-api03-bad-000000005"))
                .willReturn(aResponse().withStatus(401).withHeader("Content-Type", "application/json").withBody("""
                        {"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}""")));

        String gemini = provider + "-gemini";
        gateway.put("/admin/providers/" + gemini, ADMIN_KEY, Map.of("wireFormat", "gemini",
                "baseUrl", upstream.baseUrl() + "/gemini/v1beta", "apiKey", "AIza-initial-0000000000006"));
        upstream.stubFor(get("/gemini/v1beta/models").withHeader("x-goog-api-key", equalTo("AIzaSyGood0000000007"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody("""
                        {"models":[{"name":"models/gemini-2.5-flash","displayName":"Gemini 2.5 Flash"}]}""")));
        upstream.stubFor(get("/gemini/v1beta/models").withHeader("x-goog-api-key", equalTo("AIzaSyBad00000000008"))
                .willReturn(aResponse().withStatus(403).withHeader("Content-Type", "application/json").withBody("""
                        {"error":{"code":403,"message":"Method doesn't allow unregistered callers.",\
                        "status":"PERMISSION_DENIED"}}""")));

        assertThat(gateway.post("/admin/providers/" + anthropic + "/credentials", ADMIN_KEY,
                Map.of("apiKey", "sk-ant-api03-good-00000004")).status()).isEqualTo(201);
        assertThat(gateway.post("/admin/providers/" + anthropic + "/credentials", ADMIN_KEY,
                Map.of("apiKey", "sk-ant-api03-bad-000000005")).status()).isEqualTo(422);
        assertThat(gateway.post("/admin/providers/" + gemini + "/credentials", ADMIN_KEY,
                Map.of("apiKey", "AIzaSyGood0000000007")).status()).isEqualTo(201);
        var refused = gateway.post("/admin/providers/" + gemini + "/credentials", ADMIN_KEY,
                Map.of("apiKey", "AIzaSyBad00000000008"));
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.json().path("error").path("message").asText()).contains("403");

        assertThat(gateway.get("/admin/providers/" + anthropic + "/credentials", ADMIN_KEY).json()).hasSize(2);
        assertThat(gateway.get("/admin/providers/" + gemini + "/credentials", ADMIN_KEY).json()).hasSize(2);
    }

    @Test
    void anUnreachableProviderIs502AndNothingIsStoredUnlessTheTestIsSkipped() {
        String offline = provider + "-offline";
        gateway.put("/admin/providers/" + offline, ADMIN_KEY, Map.of("wireFormat", "openai",
                "baseUrl", "http://127.0.0.1:1/v1", "apiKey", INITIAL_KEY));

        var reply = gateway.post("/admin/providers/" + offline + "/credentials", ADMIN_KEY, Map.of("apiKey", GOOD_KEY));
        assertThat(reply.status()).as(reply.body()).isEqualTo(502);
        assertThat(reply.json().path("error").path("code").asText()).isEqualTo("provider_unreachable");
        assertThat(gateway.get("/admin/providers/" + offline + "/credentials", ADMIN_KEY).json()).hasSize(1);

        var untested = gateway.post("/admin/providers/" + offline + "/credentials", ADMIN_KEY,
                Map.of("apiKey", GOOD_KEY, "test", false));
        assertThat(untested.status()).isEqualTo(201);
        assertThat(untested.json().path("checkedAt").isNull()).isTrue();
        assertThat(gateway.get("/admin/providers/" + offline + "/credentials", ADMIN_KEY).json()).hasSize(2);
    }

    @Test
    void weightEnableDisableAndDelete() {
        String id = gateway.post(credentials, ADMIN_KEY, Map.of("apiKey", GOOD_KEY)).json().path("id").asText();

        var reweighted = admin.patch(credentials + "/" + id, Map.of("weight", 5));
        assertThat(reweighted.status()).as(reweighted.body()).isEqualTo(200);
        assertThat(reweighted.json().path("weight").asInt()).isEqualTo(5);
        assertThat(weightOf(id)).isEqualTo(5);

        var disabled = admin.patch(credentials + "/" + id, Map.of("enabled", false));
        assertThat(disabled.json().path("status").asText()).isEqualTo("disabled");
        assertThat(disabled.json().path("disabledBy").asText()).isEqualTo("admin");
        assertThat(registry.find(provider).orElseThrow().credentials()).extracting(Provider.Credential::id)
                .doesNotContain(id);

        var enabled = admin.patch(credentials + "/" + id, Map.of("enabled", true));
        assertThat(enabled.json().path("status").asText()).isEqualTo("active");
        assertThat(enabled.json().path("disabledBy").isNull()).isTrue();
        assertThat(weightOf(id)).isEqualTo(5);

        assertThat(admin.patch(credentials + "/" + id, Map.of("weight", 0)).status()).isEqualTo(400);
        assertThat(admin.patch(credentials + "/cred_nope", Map.of("weight", 2)).status()).isEqualTo(404);

        assertThat(admin.delete(credentials + "/" + id).status()).isEqualTo(204);
        assertThat(admin.delete(credentials + "/" + id).status()).isEqualTo(404);
        assertThat(registry.find(provider).orElseThrow().credentials()).extracting(Provider.Credential::id)
                .doesNotContain(id);
        assertThat(gateway.get("/admin/providers/nope-" + provider + "/credentials", ADMIN_KEY).status())
                .isEqualTo(404);
    }

    @Test
    void reTestingAStoredKeyDisablesItWhenRefusedAndEnablesItWhenAcceptedAgain() {
        String id = gateway.post(credentials, ADMIN_KEY, Map.of("apiKey", GOOD_KEY)).json().path("id").asText();
        String test = credentials + "/" + id + "/test";

        var ok = gateway.post(test, ADMIN_KEY, Map.of());
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(ok.json().path("test").path("verdict").asText()).isEqualTo("valid");
        assertThat(ok.body()).doesNotContain(GOOD_KEY);

        upstream.stubFor(get("/v1/models").withHeader("Authorization", equalTo("Bearer " + GOOD_KEY))
                .willReturn(aResponse().withStatus(401).withBody(OPENAI_401)));
        var refused = gateway.post(test, ADMIN_KEY, Map.of());
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.json().path("error").path("message").asText()).contains("now disabled");
        var disabled = credential(id);
        assertThat(disabled.path("status").asText()).isEqualTo("disabled");
        assertThat(disabled.path("disabledBy").asText()).isEqualTo("provider");
        assertThat(disabled.path("disabledReason").asText()).contains("401");

        upstream.stubFor(get("/v1/models").withHeader("Authorization", equalTo("Bearer " + GOOD_KEY))
                .willReturn(aResponse().withStatus(200).withBody(OPENAI_MODELS)));
        var accepted = gateway.post(test, ADMIN_KEY, Map.of());
        assertThat(accepted.status()).isEqualTo(200);
        assertThat(accepted.json().path("credential").path("status").asText()).isEqualTo("active");
    }

    @Test
    void putWithoutAKeyUpdatesTheProviderAndKeepsItsCredentials() {
        gateway.post(credentials, ADMIN_KEY, Map.of("apiKey", GOOD_KEY, "weight", 2));
        String address = registry.find(provider).orElseThrow().baseUrl().toString();

        var reply = gateway.put("/admin/providers/" + provider, ADMIN_KEY,
                Map.of("wireFormat", "openai", "baseUrl", address));
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().path("credentials")).hasSize(2);
        // a new address would take the stored keys there: without an allow-list, it needs a key of its own
        var moved = gateway.put("/admin/providers/" + provider, ADMIN_KEY,
                Map.of("wireFormat", "openai", "baseUrl", upstream.baseUrl() + "/v2"));
        assertThat(moved.status()).as(moved.body()).isEqualTo(400);
        assertThat(registry.find(provider).orElseThrow().baseUrl().toString()).isEqualTo(address);

        var fresh = gateway.put("/admin/providers/" + provider + "-new", ADMIN_KEY,
                Map.of("wireFormat", "openai", "baseUrl", upstream.baseUrl() + "/v1"));
        assertThat(fresh.status()).isEqualTo(400);
        assertThat(fresh.json().path("error").path("message").asText()).contains("apiKey is required");

        // with a key, the list becomes exactly that key, as before
        var replaced = gateway.put("/admin/providers/" + provider, ADMIN_KEY,
                Map.of("wireFormat", "openai", "baseUrl", upstream.baseUrl() + "/v1", "apiKey", INITIAL_KEY));
        assertThat(replaced.json().path("credentials")).hasSize(1);
    }

    @Test
    void badInputIsA400() {
        assertThat(gateway.post(credentials, ADMIN_KEY, Map.of("apiKey", " ")).status()).isEqualTo(400);
        assertThat(gateway.post(credentials, ADMIN_KEY, Map.of("apiKey", GOOD_KEY, "weight", 1001)).status())
                .isEqualTo(400);
        assertThat(gateway.post("/admin/providers/nope-" + provider + "/credentials", ADMIN_KEY,
                Map.of("apiKey", GOOD_KEY)).status()).isEqualTo(404);
        var account = gateway.openAccountWithCredits("1");
        assertThat(gateway.get(credentials, account.key()).status()).isEqualTo(403);
    }

    private List<JsonNode> listing() {
        List<JsonNode> items = new ArrayList<>();
        gateway.get(credentials, ADMIN_KEY).json().forEach(items::add);
        return items;
    }

    private JsonNode credential(String id) {
        return gateway.get(credentials + "/" + id, ADMIN_KEY).json();
    }

    private int weightOf(String id) {
        Map<String, Integer> weights = new HashMap<>();
        registry.find(provider).orElseThrow().credentials().forEach(c -> weights.put(c.id(), c.weight()));
        return weights.getOrDefault(id, -1);
    }
}
