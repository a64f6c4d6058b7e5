package io.tollgate.gateway.auth;

import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.LedgerWarmup;
import io.tollgate.gateway.testing.TestIdentity;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * OAuth2 bearer tokens, signed with an RSA key generated for the test and verified against its JWK set
 * served on loopback: signature, expiry, issuer and audience are checked, and the role and account come
 * from the configured claims.
 */
class JwtAuthenticationTest extends GatewayTestBase {
    private GatewayHttp gateway;
    private GatewayHttp.Account account;

    @BeforeEach
    void openAccount() {
        gateway = gateway();
        LedgerWarmup.awaitPublishing(gateway, ledger());
        account = gateway.openAccountWithCredits("1");
    }

    @Test
    void aUserTokenActsForItsAccountWithTheUserScopes() {
        String token = TestIdentity.userToken("alice", account.id());

        var me = gateway.get("/api/me", token);
        var models = gateway.get("/v1/models", token);
        var admin = gateway.get("/admin/keys", token);

        assertThat(me.status()).as(me.body()).isEqualTo(200);
        assertThat(me.json().path("keyId").asText()).isEqualTo("jwt:alice");
        assertThat(me.json().path("accountId").asText()).isEqualTo(account.id());
        assertThat(me.json().path("role").asText()).isEqualTo("user");
        assertThat(me.json().path("scopes").toString()).isEqualTo("[\"chat\",\"embeddings\",\"images\"]");
        assertThat(models.status()).isEqualTo(200);
        assertThat(admin.status()).isEqualTo(403);
        assertThat(gateway.get("/api/keys", token).json().findValuesAsText("accountId")).containsOnly(account.id());
    }

    @Test
    void anAdminTokenManagesAndIsNamedAsTheActor() {
        String token = TestIdentity.adminToken("root-" + UUID.randomUUID());
        String accountId = "acct-jwt-" + UUID.randomUUID();

        var opened = gateway.post("/admin/accounts", token, Map.of("id", accountId, "displayName", "By token"));
        var issued = gateway.post("/admin/keys", token, Map.of("name", "from jwt admin", "accountId", accountId));

        assertThat(opened.status()).as(opened.body()).isEqualTo(201);
        assertThat(issued.status()).as(issued.body()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(ledger().recordsOfAccount(accountId))
                .map(r -> new String(r.value()))
                .anySatisfy(json -> assertThat(json).contains("\"AccountOpened\"").contains("\"actor\":\"jwt:root-"))
                .anySatisfy(json -> assertThat(json).contains("\"ApiKeyIssued\"").contains("\"actor\":\"jwt:root-")));
    }

    @Test
    void aTokenThatFailsAnyCheckIsRefused() {
        Map<String, Object> claims = Map.of("sub", "mallory", "tollgate_role", "admin");
        Instant later = Instant.now().plusSeconds(300);
        var foreignKey = gateway.get("/admin/keys", TestIdentity.sign(false, claims, TestIdentity.ISSUER,
                TestIdentity.AUDIENCE, later));
        var otherAudience = gateway.get("/admin/keys", TestIdentity.sign(true, claims, TestIdentity.ISSUER,
                "someone-else", later));
        var otherIssuer = gateway.get("/admin/keys", TestIdentity.sign(true, claims, "https://evil.example",
                TestIdentity.AUDIENCE, later));
        var expired = gateway.get("/admin/keys", TestIdentity.sign(true, claims, TestIdentity.ISSUER,
                TestIdentity.AUDIENCE, Instant.now().minusSeconds(600)));
        var noAccount = gateway.get("/v1/models", TestIdentity.token(Map.of("sub", "bob", "tollgate_role", "user")));
        var garbage = gateway.get("/v1/models", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.");

        for (var reply : List.of(foreignKey, otherAudience, otherIssuer, expired, noAccount, garbage)) {
            assertThat(reply.status()).as(reply.body()).isEqualTo(401);
            assertThat(reply.json().path("error").path("code").asText()).isIn("invalid_token", "invalid_api_key");
        }
        assertThat(otherAudience.json().path("error").path("message").asText()).contains("audience");
        assertThat(expired.json().path("error").path("message").asText()).contains("expired");
    }

    @Test
    void aTokenWithoutAnExpiryIsRefused() {
        String forever = TestIdentity.signWithoutExpiry(Map.of("sub", "eve", "tollgate_role", "admin"));

        var reply = gateway.get("/admin/keys", forever);

        assertThat(reply.status()).as(reply.body()).isEqualTo(401);
        assertThat(reply.json().path("error").path("message").asText()).contains("no expiry");
    }

    @Test
    void aScopeClaimNarrowsWhatATokenMayCall() {
        String embeddingsOnly = TestIdentity.token(Map.of("sub", "carol", "tollgate_role", "user",
                "tollgate_account", account.id(), "scope", "openid embeddings"));

        assertThat(gateway.get("/v1/models", embeddingsOnly).status()).isEqualTo(403);
        assertThat(gateway.get("/api/me", embeddingsOnly).json().path("scopes").toString()).isEqualTo("[\"embeddings\"]");
    }
}
