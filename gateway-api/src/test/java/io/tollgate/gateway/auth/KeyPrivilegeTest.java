package io.tollgate.gateway.auth;

import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.TestIdentity;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 14 items 1 and 2: no key climbs. Through {@code /api/keys} a user creates, rotates and revokes only
 * user keys within its own scopes, expiry and limits; a key made there is bounded by the key that made it
 * and dies with it.
 */
class KeyPrivilegeTest extends GatewayTestBase {
    private GatewayHttp gateway;
    private GatewayHttp.Account account;

    @BeforeEach
    void openAccount() {
        gateway = gateway();
        account = gateway.openAccountWithCredits("1");
    }

    @Test
    void aUserCannotRotateAnAdminKeyOfItsAccountIntoAnAdminSecret() {
        var adminKey = issue(Map.of("name", "ops", "accountId", account.id(), "role", "admin"));

        var rotated = gateway.post("/api/keys/" + adminKey.id() + "/rotate", account.key(), Map.of("graceSeconds", 0));
        var revoked = gateway.delete("/api/keys/" + adminKey.id(), account.key());

        assertThat(rotated.status()).as(rotated.body()).isEqualTo(403);
        assertThat(rotated.json().path("error").path("code").asText()).isEqualTo("insufficient_privilege");
        assertThat(rotated.body()).doesNotContain("\"key\":\"tg-");
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(403);
        assertThat(gateway.get("/admin/keys/" + adminKey.id(), ADMIN_KEY).json().path("state").asText())
                .isEqualTo("active");
        assertThat(gateway.get("/admin/keys", adminKey.secret()).status()).isEqualTo(200);
    }

    @Test
    void aNarrowKeyCannotRotateOrRevokeAWiderSibling() {
        var embeddingsOnly = issue(Map.of("name", "embed", "accountId", account.id(), "scopes", List.of("embeddings")));
        var wide = issue(Map.of("name", "wide", "accountId", account.id(),
                "scopes", List.of("chat", "embeddings", "images")));

        var rotated = gateway.post("/api/keys/" + wide.id() + "/rotate", embeddingsOnly.secret(), Map.of());
        var revoked = gateway.delete("/api/keys/" + wide.id(), embeddingsOnly.secret());

        assertThat(rotated.status()).as(rotated.body()).isEqualTo(403);
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(403);
        // A sibling no wider than the caller is still the caller's to manage.
        var narrow = issue(Map.of("name", "narrow", "accountId", account.id(), "scopes", List.of("embeddings")));
        var rotatedNarrow = gateway.post("/api/keys/" + narrow.id() + "/rotate", embeddingsOnly.secret(),
                Map.of("graceSeconds", 0));
        assertThat(rotatedNarrow.status()).as(rotatedNarrow.body()).isEqualTo(201);
        assertThat(rotatedNarrow.json().path("scopes").toString()).isEqualTo("[\"embeddings\"]");
        assertThat(rotatedNarrow.json().path("role").asText()).isEqualTo("user");
    }

    @Test
    void anExpiringKeyCannotManageAKeyThatOutlivesIt() {
        var shortLived = issue(Map.of("name", "short", "accountId", account.id(),
                "expiresAt", Instant.now().plus(1, ChronoUnit.HOURS).toString()));
        var forever = issue(Map.of("name", "forever", "accountId", account.id()));

        var rotated = gateway.post("/api/keys/" + forever.id() + "/rotate", shortLived.secret(), Map.of());

        assertThat(rotated.status()).as(rotated.body()).isEqualTo(403);
    }

    @Test
    void aLimitedKeyCannotManageALooserSiblingAndRotationKeepsItsLimits() {
        var limited = issue(Map.of("name", "limited", "accountId", account.id()));
        setKeyLimits(limited.id(), Map.of("requestsPerMinute", 5));
        var unlimited = issue(Map.of("name", "unlimited", "accountId", account.id()));

        var rotateSibling = gateway.post("/api/keys/" + unlimited.id() + "/rotate", limited.secret(), Map.of());
        assertThat(rotateSibling.status()).as(rotateSibling.body()).isEqualTo(403);

        // Rotating itself gives a successor bound exactly as it was.
        var self = gateway.post("/api/keys/" + limited.id() + "/rotate", limited.secret(), Map.of("graceSeconds", 0));
        assertThat(self.status()).as(self.body()).isEqualTo(201);
        var successorLimits = gateway.get("/admin/limits/keys/" + self.json().path("id").asText(), ADMIN_KEY);
        assertThat(successorLimits.json().path("stored").path("requestsPerMinute").asLong()).isEqualTo(5);
    }

    @Test
    void aChildKeyIsBoundedByItsParentsScopesAndExpiry() {
        Instant parentEnds = Instant.now().plus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
        var parent = issue(Map.of("name", "parent", "accountId", account.id(), "scopes", List.of("chat", "embeddings"),
                "expiresAt", parentEnds.toString()));

        var child = gateway.post("/api/keys", parent.secret(), Map.of("name", "child"));
        var outliving = gateway.post("/api/keys", parent.secret(), Map.of("name", "later",
                "expiresAt", parentEnds.plus(1, ChronoUnit.HOURS).toString()));
        var wider = gateway.post("/api/keys", parent.secret(), Map.of("name", "wider", "scopes", List.of("images")));

        assertThat(child.status()).as(child.body()).isEqualTo(201);
        assertThat(child.json().path("scopes").toString()).isEqualTo("[\"chat\",\"embeddings\"]");
        assertThat(Instant.parse(child.json().path("expiresAt").asText())).isEqualTo(parentEnds);
        assertThat(gateway.get("/api/keys/" + child.json().path("id").asText(), parent.secret())
                .json().path("parentId").asText()).isEqualTo(parent.id());
        assertThat(outliving.status()).as(outliving.body()).isEqualTo(400);
        assertThat(wider.status()).as(wider.body()).isEqualTo(403);
    }

    @Test
    void aChildKeyDiesWithItsParent() {
        var parent = issue(Map.of("name", "parent", "accountId", account.id()));
        var child = gateway.post("/api/keys", parent.secret(), Map.of("name", "child"));
        var grandchild = gateway.post("/api/keys", child.json().path("key").asText(), Map.of("name", "grandchild"));
        String childSecret = child.json().path("key").asText();
        String grandchildSecret = grandchild.json().path("key").asText();
        assertThat(gateway.get("/v1/models", grandchildSecret).status()).isEqualTo(200);

        var revoked = gateway.delete("/admin/keys/" + parent.id(), ADMIN_KEY);

        assertThat(revoked.status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() -> {
            assertThat(gateway.get("/v1/models", childSecret).status()).isEqualTo(401);
            assertThat(gateway.get("/v1/models", grandchildSecret).status()).isEqualTo(401);
        });
        assertThat(gateway.get("/admin/keys/" + grandchild.json().path("id").asText(), ADMIN_KEY)
                .json().path("state").asText()).isEqualTo("revoked");
        // A revoked key makes no more children.
        assertThat(gateway.post("/api/keys", childSecret, Map.of("name", "late")).status()).isEqualTo(401);
    }

    @Test
    void aChildKeyKeepsWorkingThroughItsParentsRotation() {
        var parent = issue(Map.of("name", "parent", "accountId", account.id()));
        String childSecret = gateway.post("/api/keys", parent.secret(), Map.of("name", "child")).json()
                .path("key").asText();

        var rotated = gateway.post("/admin/keys/" + parent.id() + "/rotate", ADMIN_KEY, Map.of("graceSeconds", 0));

        assertThat(rotated.status()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(gateway.get("/v1/models", parent.secret()).status()).isEqualTo(401));
        assertThat(gateway.get("/v1/models", childSecret).status()).isEqualTo(200);
        // ... and dies with the successor it now belongs to.
        gateway.delete("/admin/keys/" + rotated.json().path("id").asText(), ADMIN_KEY);
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(gateway.get("/v1/models", childSecret).status()).isEqualTo(401));
    }

    @Test
    void aChildKeySpendsItsParentsLimits() {
        var parent = issue(Map.of("name", "parent", "accountId", account.id()));
        setKeyLimits(parent.id(), Map.of("requestsPerMinute", 1));
        String childSecret = gateway.post("/api/keys", parent.secret(), Map.of("name", "child")).json()
                .path("key").asText();
        Map<String, Object> chat = Map.of("model", "nowhere/none", "max_tokens", 5,
                "messages", List.of(Map.of("role", "user", "content", "hi")));

        var first = gateway.post("/v1/chat/completions", childSecret, chat);
        var second = gateway.post("/v1/chat/completions", childSecret, chat);
        var throughParent = gateway.post("/v1/chat/completions", parent.secret(), chat);

        assertThat(first.status()).as(first.body()).isNotEqualTo(429);
        assertThat(second.status()).as(second.body()).isEqualTo(429);
        assertThat(throughParent.status()).as(throughParent.body()).isEqualTo(429);
    }

    @Test
    void aJwtUsersKeysEndWithinTheConfiguredLifetime() {
        String token = TestIdentity.userToken("dora", account.id());

        var issued = gateway.post("/api/keys", token, Map.of("name", "from sso"));
        var tooLong = gateway.post("/api/keys", token, Map.of("name", "forever",
                "expiresAt", Instant.now().plus(400, ChronoUnit.DAYS).toString()));

        assertThat(issued.status()).as(issued.body()).isEqualTo(201);
        assertThat(issued.json().path("expiresAt").isNull()).isFalse();
        assertThat(Instant.parse(issued.json().path("expiresAt").asText()))
                .isBefore(Instant.now().plus(91, ChronoUnit.DAYS));
        assertThat(tooLong.status()).as(tooLong.body()).isEqualTo(400);
    }

    private record Key(String id, String secret) {
    }

    private Key issue(Map<String, Object> request) {
        var issued = gateway.post("/admin/keys", ADMIN_KEY, request);
        assertThat(issued.status()).as(issued.body()).isEqualTo(201);
        return new Key(issued.json().path("id").asText(), issued.json().path("key").asText());
    }

    private void setKeyLimits(String keyId, Map<String, Object> limits) {
        var reply = gateway.put("/admin/limits/keys/" + keyId, ADMIN_KEY, limits);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    }
}
