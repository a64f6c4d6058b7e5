package io.tollgate.gateway.providers;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.tollgate.events.support.AdminTrail;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.GatewayInstances;
import io.tollgate.gateway.testing.LedgerWarmup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 14 item 5: a provider's stored keys never follow a new {@code baseUrl} unasked. Without an apiKey, a
 * new address is refused unless the operator's allow-list names its host and every stored key passes a test
 * there; the allow-list also bounds where providers may be registered at all; a move is an audit event.
 */
class ProviderAddressTest extends GatewayTestBase {
    private static final String STORED_KEY = "sk-stored-provider-key-0000001";

    private final WireMockServer home = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
    private final WireMockServer elsewhere = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
    private GatewayHttp gateway;
    private String provider;

    @BeforeEach
    void startUpstreams() {
        home.start();
        elsewhere.start();
        gateway = gateway();
        provider = "addr" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void stopUpstreams() {
        home.stop();
        elsewhere.stop();
    }

    @Test
    void aNewAddressWithoutAKeyIsRefusedAndTheStoredKeysStayHome() {
        LedgerWarmup.awaitPublishing(gateway, ledger());
        gateway.registerProvider(provider, home.baseUrl() + "/v1", STORED_KEY);

        var moved = gateway.put("/admin/providers/" + provider, ADMIN_KEY,
                Map.of("wireFormat", "openai", "baseUrl", elsewhere.baseUrl() + "/v1"));

        assertThat(moved.status()).as(moved.body()).isEqualTo(400);
        assertThat(moved.json().path("error").path("code").asText()).isEqualTo("api_key_required");
        assertThat(gateway.get("/admin/providers/" + provider, ADMIN_KEY).json().path("baseUrl").asText())
                .isEqualTo(home.baseUrl() + "/v1");
        assertThat(elsewhere.findAll(anyRequestedFor(anyUrl()))).isEmpty();

        // the same address again (a trailing slash is no move), or a new one with its own key: fine
        assertThat(gateway.put("/admin/providers/" + provider, ADMIN_KEY, Map.of("wireFormat", "openai",
                "baseUrl", home.baseUrl() + "/v1/")).status()).isEqualTo(200);
        var withKey = gateway.put("/admin/providers/" + provider, ADMIN_KEY, Map.of("wireFormat", "openai",
                "baseUrl", elsewhere.baseUrl() + "/v1", "apiKey", "sk-key-for-the-new-address-0001"));
        assertThat(withKey.status()).as(withKey.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(ledger().recordsOfAccount(AdminTrail.SYSTEM_ACCOUNT))
                .map(record -> new String(record.value()))
                .anySatisfy(json -> assertThat(json).contains("\"ProviderConfigured\"").contains(provider)
                        .contains("\"address_changed\"").contains(elsewhere.baseUrl())));
    }

    @Test
    void anAllowListBoundsWhereProvidersLiveAndStoredKeysMoveOnlyAfterATestThere() {
        var trusted = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        trusted.start();
        // A small pool: the PostgreSQL this runs against is shared, and this instance serves a handful of calls.
        var instance = GatewayInstances.start(TOPIC_FOR_INSTANCES, "--tollgate.upstream.allowed-hosts=localhost:"
                + home.port() + ", localhost:" + trusted.port(), "--spring.datasource.hikari.maximum-pool-size=4");
        try {
            var limited = new GatewayHttp("http://127.0.0.1:" + GatewayInstances.port(instance), ADMIN_KEY);

            var outside = limited.put("/admin/providers/" + provider, ADMIN_KEY, Map.of("wireFormat", "openai",
                    "baseUrl", elsewhere.baseUrl() + "/v1", "apiKey", STORED_KEY));
            assertThat(outside.status()).as(outside.body()).isEqualTo(400);
            assertThat(outside.json().path("error").path("code").asText()).isEqualTo("upstream_host_not_allowed");

            limited.registerProvider(provider, home.baseUrl() + "/v1", STORED_KEY);
            trusted.stubFor(get(urlEqualTo("/v1/models")).withHeader("Authorization", equalTo("Bearer " + STORED_KEY))
                    .willReturn(aResponse().withStatus(401).withHeader("Content-Type", "application/json")
                            .withBody("{\"error\":{\"message\":\"Incorrect API key provided\",\"code\":\"invalid_api_key\"}}")));
            var refused = limited.put("/admin/providers/" + provider, ADMIN_KEY, Map.of("wireFormat", "openai",
                    "baseUrl", trusted.baseUrl() + "/v1"));
            assertThat(refused.status()).as(refused.body()).isEqualTo(422);
            assertThat(refused.body()).doesNotContain(STORED_KEY);
            assertThat(limited.get("/admin/providers/" + provider, ADMIN_KEY).json().path("baseUrl").asText())
                    .isEqualTo(home.baseUrl() + "/v1");

            trusted.stubFor(get(urlEqualTo("/v1/models")).withHeader("Authorization", equalTo("Bearer " + STORED_KEY))
                    .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                            .withBody("{\"object\":\"list\",\"data\":[]}")));
            var accepted = limited.put("/admin/providers/" + provider, ADMIN_KEY, Map.of("wireFormat", "openai",
                    "baseUrl", trusted.baseUrl() + "/v1"));
            assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
            assertThat(accepted.json().path("baseUrl").asText()).isEqualTo(trusted.baseUrl() + "/v1");
            assertThat(accepted.json().path("credentials")).hasSize(1);
        } finally {
            instance.close();
            trusted.stop();
        }
    }

    /** The second instance publishes to a topic of its own: nothing here reads it. */
    private static final String TOPIC_FOR_INSTANCES = "tollgate.ledger.address-test." + UUID.randomUUID();
}
