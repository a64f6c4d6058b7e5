package io.tollgate.gateway.credentials;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.credentials.CredentialPool.CallOutcome;
import io.tollgate.gateway.providers.Provider;
import io.tollgate.gateway.providers.ProviderRegistry;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import io.tollgate.gateway.vault.SecretVault;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.jdbc.core.simple.JdbcClient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A 401/403 on a call disables the credential in PostgreSQL, so that another instance (a second registry on
 * the same database) drops it too; the re-check re-enables it once the provider accepts it again.
 */
class CredentialDisableTest extends GatewayTestBase {
    private static final String KEY_1 = "sk-disable-test-key-000000001";
    private static final String KEY_2 = "sk-disable-test-key-000000002";

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    @Autowired
    @Qualifier(WeightedCredentialPool.BEAN_NAME)
    CredentialPool pool;
    @Autowired
    ProviderRegistry registry;
    @Autowired
    CredentialMaintenance maintenance;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    SecretVault vault;

    private GatewayHttp gateway;
    private String provider;
    /** Another gateway instance's view of the same database. */
    private ProviderRegistry otherInstance;

    @BeforeEach
    void registerProviderWithTwoKeys() {
        gateway = gateway();
        provider = "dis" + UUID.randomUUID().toString().substring(0, 8);
        gateway.registerProvider(provider, upstream.baseUrl() + "/v1", KEY_1);
        var second = gateway.post("/admin/providers/" + provider + "/credentials", ADMIN_KEY,
                Map.of("apiKey", KEY_2, "weight", 1, "test", false));
        assertThat(second.status()).isEqualTo(201);
        otherInstance = new ProviderRegistry(jdbc, vault);
    }

    @Test
    void aRejectedKeyIsDisabledForEveryInstanceAndReEnabledByTheRecheckOnceItWorks() {
        Provider seen = registry.find(provider).orElseThrow();
        assertThat(secrets(otherInstance.find(provider).orElseThrow())).containsExactlyInAnyOrder(KEY_1, KEY_2);
        Provider.Credential first = credentialWith(seen, KEY_1);

        pool.report(seen, first, CallOutcome.REJECTED);

        // this instance stops using it at once, even with the provider as it was cached
        assertThat(picks(seen, 6)).containsOnly(KEY_2);
        // PostgreSQL says disabled, with why
        await().atMost(Duration.ofSeconds(10)).until(() -> status(first.id()).equals("disabled"));
        var listed = gateway.get("/admin/providers/" + provider + "/credentials/" + first.id(), ADMIN_KEY).json();
        assertThat(listed.path("disabledBy").asText()).isEqualTo("provider");
        assertThat(listed.path("disabledReason").asText()).contains("401/403");
        assertThat(listed.path("lastError").asText()).contains("401/403");
        // another instance drops it at its next refresh
        await().atMost(Duration.ofSeconds(20))
                .until(() -> secrets(otherInstance.find(provider).orElseThrow()), s -> s.equals(List.of(KEY_2)));

        // still refused: the re-check leaves it disabled and notes why
        stubModels(KEY_1, 401);
        maintenance.recheck(Duration.ZERO);
        assertThat(status(first.id())).isEqualTo("disabled");
        assertThat(gateway.get("/admin/providers/" + provider + "/credentials/" + first.id(), ADMIN_KEY).json()
                .path("lastError").asText()).contains("rejected the key", "401");

        // accepted again: re-enabled, and every instance takes it back
        stubModels(KEY_1, 200);
        maintenance.recheck(Duration.ZERO);
        assertThat(status(first.id())).isEqualTo("active");
        await().atMost(Duration.ofSeconds(20)).until(() -> secrets(otherInstance.find(provider).orElseThrow()),
                s -> s.containsAll(List.of(KEY_1, KEY_2)));
        Provider now = registry.find(provider).orElseThrow();
        assertThat(picks(now, 4)).containsExactlyInAnyOrder(KEY_1, KEY_2, KEY_1, KEY_2);
    }

    @Test
    void aRecheckClaimsEachCredentialOncePerInterval() {
        Provider seen = registry.find(provider).orElseThrow();
        Provider.Credential second = credentialWith(seen, KEY_2);
        pool.report(seen, second, CallOutcome.REJECTED);
        await().atMost(Duration.ofSeconds(10)).until(() -> status(second.id()).equals("disabled"));
        stubModels(KEY_2, 200);

        // disabled just now: not due before an interval has passed
        maintenance.recheck(Duration.ofMinutes(5));
        assertThat(status(second.id())).isEqualTo("disabled");

        maintenance.recheck(Duration.ZERO);
        assertThat(status(second.id())).isEqualTo("active");
    }

    @Test
    void whenCredentialsWereLastUsedIsWrittenInTheBackgroundNotPerCall() {
        Provider seen = registry.find(provider).orElseThrow();
        picks(seen, 2);

        // (the scheduled flush may have run already; running it again is harmless)
        maintenance.flushUsage();

        assertThat(jdbc.sql("select count(*) from gateway.provider_credentials where provider = ? and last_used_at is not null")
                .param(provider).query(Long.class).single()).isEqualTo(2);
        var listing = gateway.get("/admin/providers/" + provider + "/credentials", ADMIN_KEY).json();
        listing.forEach(credential -> assertThat(credential.path("lastUsedAt").isNull()).isFalse());
    }

    @Test
    void aRateLimitedKeyShowsAsCoolingOnThisInstance() {
        Provider seen = registry.find(provider).orElseThrow();
        Provider.Credential first = credentialWith(seen, KEY_1);
        pool.report(seen, first, CallOutcome.RATE_LIMITED);

        assertThat(picks(seen, 4)).containsOnly(KEY_2);
        var listed = gateway.get("/admin/providers/" + provider + "/credentials/" + first.id(), ADMIN_KEY).json();
        assertThat(listed.path("status").asText()).isEqualTo("cooling");
        assertThat(listed.path("coolingUntil").isNull()).isFalse();
        assertThat(listed.path("lastError").asText()).contains("429");
        assertThat(((WeightedCredentialPool) pool).retryAfter(seen)).hasValueSatisfying(wait ->
                assertThat(wait).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(30)));
        // the database is not told: a cool-down is this instance's own
        assertThat(status(first.id())).isEqualTo("active");
    }

    private void stubModels(String key, int status) {
        upstream.stubFor(get("/v1/models").withHeader("Authorization", equalTo("Bearer " + key))
                .willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                        .withBody(status == 200 ? "{\"object\":\"list\",\"data\":[]}"
                                : "{\"error\":{\"message\":\"Incorrect API key provided\",\"code\":\"invalid_api_key\"}}")));
    }

    private String status(String id) {
        return jdbc.sql("select status from gateway.provider_credentials where id = ?").param(id)
                .query(String.class).single();
    }

    private List<String> picks(Provider provider, int n) {
        List<String> secrets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            secrets.add(pool.next(provider).orElseThrow().secret());
        }
        return secrets;
    }

    private static List<String> secrets(Provider provider) {
        return provider.credentials().stream().map(Provider.Credential::secret).toList();
    }

    private static Provider.Credential credentialWith(Provider provider, String secret) {
        return provider.credentials().stream().filter(c -> c.secret().equals(secret)).findFirst().orElseThrow();
    }
}
