package io.tollgate.gateway.auth;

import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.hashing.Sha256;
import io.tollgate.gateway.testing.GatewayHttp;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Tollgate API keys over HTTP: issue, list, scopes, expiry, rotation with grace, revocation, last use. */
class ApiKeyLifecycleTest extends GatewayTestBase {
    @Autowired
    JdbcClient jdbc;

    private GatewayHttp gateway;
    private GatewayHttp.Account account;

    @BeforeEach
    void openAccount() {
        gateway = gateway();
        account = gateway.openAccountWithCredits("1");
    }

    @Test
    void aKeyIsShownOnceAndStoredOnlyAsAHash() {
        var issued = gateway.post("/admin/keys", ADMIN_KEY, Map.of("name", "ci", "accountId", account.id(),
                "scopes", List.of("chat")));

        assertThat(issued.status()).as(issued.body()).isEqualTo(201);
        String secret = issued.json().path("key").asText();
        String id = issued.json().path("id").asText();
        assertThat(secret).startsWith("tg-").hasSizeGreaterThan(40);
        assertThat(issued.json().path("scopes").toString()).isEqualTo("[\"chat\"]");
        assertThat(issued.json().path("role").asText()).isEqualTo("user");

        var listed = gateway.get("/admin/keys?accountId=" + account.id(), ADMIN_KEY);
        var shown = gateway.get("/admin/keys/" + id, ADMIN_KEY);
        assertThat(listed.body()).contains(id).doesNotContain(secret).doesNotContain(secret.substring(10));
        assertThat(shown.json().path("prefix").asText()).isEqualTo(secret.substring(0, 7));
        assertThat(shown.json().has("key")).isFalse();
        assertThat(shown.json().path("state").asText()).isEqualTo("active");

        var stored = jdbc.sql("select key_hash, key_prefix from gateway.api_keys where id = ?").param(id)
                .query((rs, row) -> Map.of("hash", rs.getBytes(1), "prefix", rs.getString(2))).single();
        assertThat((byte[]) stored.get("hash")).isEqualTo(Sha256.of(secret));
        String everyColumn = jdbc.sql("select t::text from gateway.api_keys t where id = ?").param(id)
                .query(String.class).single();
        assertThat(everyColumn).doesNotContain(secret).doesNotContain(secret.substring(7));
    }

    @Test
    void scopesDecideWhichEndpointsAKeyMayCall() {
        String embeddingsOnly = issue(Map.of("name", "embed", "accountId", account.id(),
                "scopes", List.of("embeddings")));

        var models = gateway.get("/v1/models", embeddingsOnly);
        var chat = gateway.post("/v1/chat/completions", embeddingsOnly, Map.of("model", "x/y", "messages", List.of()));
        var anthropic = gateway.post("/v1/messages", embeddingsOnly, Map.of("model", "x/y"));
        var admin = gateway.get("/admin/keys", account.key());

        assertThat(models.status()).isEqualTo(403);
        assertThat(models.json().path("error").path("code").asText()).isEqualTo("insufficient_scope");
        assertThat(chat.status()).isEqualTo(403);
        assertThat(anthropic.status()).isEqualTo(403);
        assertThat(anthropic.json().path("type").asText()).isEqualTo("error");
        assertThat(anthropic.json().path("error").path("type").asText()).isEqualTo("permission_error");
        assertThat(admin.status()).isEqualTo(403);
        // The default user key has chat: /v1/models answers.
        assertThat(gateway.get("/v1/models", account.key()).status()).isEqualTo(200);
    }

    @Test
    void theKeyIsAcceptedAsXApiKeyAsTheAnthropicSdkSendsIt() {
        var viaHeader = gateway.request("GET", "/v1/models", null, null, Map.of("x-api-key", account.key()));
        var missing = gateway.request("GET", "/v1/models", null, null, Map.of());
        var wrong = gateway.request("POST", "/v1/messages", null, "{}", Map.of("x-api-key", "tg-not-a-key"));

        assertThat(viaHeader.status()).isEqualTo(200);
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.header("WWW-Authenticate")).isEqualTo("Bearer");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.json().path("error").path("type").asText()).isEqualTo("authentication_error");
    }

    @Test
    void anExpiredKeyStopsWorking() {
        String key = issue(Map.of("name", "short", "accountId", account.id(),
                "expiresAt", Instant.now().plusSeconds(2).toString()));
        assertThat(gateway.get("/v1/models", key).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(gateway.get("/v1/models", key).status()).isEqualTo(401));
        var past = gateway.post("/admin/keys", ADMIN_KEY, Map.of("name", "past", "accountId", account.id(),
                "expiresAt", Instant.now().minusSeconds(5).toString()));
        assertThat(past.status()).isEqualTo(400);
    }

    @Test
    void aRevokedKeyStopsWorkingAtOnce() {
        var issued = gateway.post("/admin/keys", ADMIN_KEY, Map.of("name", "doomed", "accountId", account.id()));
        String key = issued.json().path("key").asText();
        assertThat(gateway.get("/v1/models", key).status()).isEqualTo(200);

        var revoked = gateway.delete("/admin/keys/" + issued.json().path("id").asText(), ADMIN_KEY);

        assertThat(revoked.status()).isEqualTo(200);
        assertThat(revoked.json().path("state").asText()).isEqualTo("revoked");
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(gateway.get("/v1/models", key).status()).isEqualTo(401));
    }

    @Test
    void aRotatedKeyKeepsWorkingThroughItsGracePeriodAlongsideItsSuccessor() {
        var issued = gateway.post("/admin/keys", ADMIN_KEY, Map.of("name", "rotating", "accountId", account.id(),
                "scopes", List.of("chat", "images")));
        String oldKey = issued.json().path("key").asText();
        String oldId = issued.json().path("id").asText();

        var rotated = gateway.post("/admin/keys/" + oldId + "/rotate", ADMIN_KEY, Map.of("graceSeconds", 2));

        assertThat(rotated.status()).as(rotated.body()).isEqualTo(201);
        String newKey = rotated.json().path("key").asText();
        assertThat(newKey).startsWith("tg-").isNotEqualTo(oldKey);
        assertThat(rotated.json().path("replaces").asText()).isEqualTo(oldId);
        assertThat(rotated.json().path("scopes").toString()).isEqualTo("[\"chat\",\"images\"]");
        assertThat(gateway.get("/v1/models", oldKey).status()).isEqualTo(200);
        assertThat(gateway.get("/v1/models", newKey).status()).isEqualTo(200);
        assertThat(gateway.get("/admin/keys/" + oldId, ADMIN_KEY).json().path("state").asText()).isEqualTo("rotating");

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(gateway.get("/v1/models", oldKey).status()).isEqualTo(401));
        assertThat(gateway.get("/v1/models", newKey).status()).isEqualTo(200);
        assertThat(gateway.get("/admin/keys/" + oldId, ADMIN_KEY).json().path("replacedBy").asText())
                .isEqualTo(rotated.json().path("id").asText());
    }

    @Test
    void lastUseIsRecordedWithoutAWritePerRequest() {
        var issued = gateway.post("/admin/keys", ADMIN_KEY, Map.of("name", "used", "accountId", account.id()));
        String id = issued.json().path("id").asText();
        assertThat(gateway.get("/admin/keys/" + id, ADMIN_KEY).json().path("lastUsedAt").isNull()).isTrue();

        for (int i = 0; i < 5; i++) {
            gateway.get("/v1/models", issued.json().path("key").asText());
        }

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(gateway.get("/admin/keys/" + id, ADMIN_KEY).json().path("lastUsedAt").isNull()).isFalse());
    }

    @Test
    void aUserManagesTheKeysOfItsOwnAccount() {
        var created = gateway.post("/api/keys", account.key(), Map.of("name", "mine", "scopes", List.of("chat")));
        var escalate = gateway.post("/api/keys", account.key(), Map.of("name", "root", "scopes", List.of("admin")));
        var listed = gateway.get("/api/keys", account.key());
        String id = created.json().path("id").asText();
        var rotated = gateway.post("/api/keys/" + id + "/rotate", account.key(), Map.of("graceSeconds", 0));
        var revoked = gateway.delete("/api/keys/" + rotated.json().path("id").asText(), account.key());

        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().path("accountId").asText()).isEqualTo(account.id());
        assertThat(escalate.status()).isEqualTo(400);
        assertThat(listed.json().findValuesAsText("accountId")).containsOnly(account.id());
        assertThat(listed.json().findValuesAsText("id")).contains(id);
        assertThat(rotated.status()).isEqualTo(201);
        assertThat(revoked.status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() -> {
            assertThat(gateway.get("/v1/models", created.json().path("key").asText()).status()).isEqualTo(401);
            assertThat(gateway.get("/v1/models", rotated.json().path("key").asText()).status()).isEqualTo(401);
        });
        var me = gateway.get("/api/me", account.key());
        assertThat(me.json().path("accountId").asText()).isEqualTo(account.id());
        assertThat(me.json().path("role").asText()).isEqualTo("user");
    }

    private String issue(Map<String, Object> request) {
        var issued = gateway.post("/admin/keys", ADMIN_KEY, request);
        assertThat(issued.status()).as(issued.body()).isEqualTo(201);
        return issued.json().path("key").asText();
    }
}
