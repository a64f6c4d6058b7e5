package io.tollgate.gateway.auth;

import io.tollgate.events.support.AdminTrail;
import io.tollgate.events.ApiKeyIssued;
import io.tollgate.events.ApiKeyRevoked;
import io.tollgate.events.CreditsGranted;
import io.tollgate.events.CredentialChanged;
import io.tollgate.events.codec.EventCodec;
import io.tollgate.events.ProviderConfigured;
import io.tollgate.events.TollgateEvent;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.LedgerWarmup;
import io.tollgate.gateway.testing.TestIdentity;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/** Every admin action is an event on the ledger topic that names who did it. */
class AdminAuditTest extends GatewayTestBase {
    private static final EventCodec CODEC = new EventCodec();

    @Autowired
    AdminAudit audit;

    @org.junit.jupiter.api.BeforeEach
    void publishing() {
        LedgerWarmup.awaitPublishing(gateway(), ledger());
    }

    private List<TollgateEvent> eventsOf(String accountId) {
        return ledger().recordsOfAccount(accountId).stream().map(r -> CODEC.decode(r.value())).toList();
    }

    @Test
    void keyIssueRotationAndRevocationNameTheirActor() {
        GatewayHttp gateway = gateway();
        GatewayHttp.Account account = gateway.openAccountWithCredits("1");
        String adminKeyId = gateway.get("/api/me", ADMIN_KEY).json().path("keyId").asText();
        String userToken = TestIdentity.userToken("dora", account.id());

        var issued = gateway.post("/api/keys", userToken, Map.of("name", "dora's"));
        String id = issued.json().path("id").asText();
        var rotated = gateway.post("/admin/keys/" + id + "/rotate", ADMIN_KEY, Map.of("graceSeconds", 60));
        var revoked = gateway.delete("/admin/keys/" + rotated.json().path("id").asText(), ADMIN_KEY);
        assertThat(List.of(issued.status(), rotated.status(), revoked.status())).containsExactly(201, 201, 200);

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            var events = eventsOf(account.id());
            assertThat(events).filteredOn(ApiKeyIssued.class::isInstance).map(ApiKeyIssued.class::cast)
                    .anySatisfy(e -> {
                        assertThat(e.keyId()).isEqualTo(id);
                        assertThat(e.actor()).isEqualTo("jwt:dora");
                        assertThat(e.scopes()).containsExactly("chat", "embeddings", "images");
                    })
                    .anySatisfy(e -> {
                        assertThat(e.replacesKeyId()).isEqualTo(id);
                        assertThat(e.actor()).isEqualTo(adminKeyId);
                    });
            assertThat(events).filteredOn(ApiKeyRevoked.class::isInstance).map(ApiKeyRevoked.class::cast)
                    .anySatisfy(e -> {
                        assertThat(e.keyId()).isEqualTo(id);
                        assertThat(e.reason()).isEqualTo("rotated");
                        assertThat(e.actor()).isEqualTo(adminKeyId);
                    })
                    .anySatisfy(e -> {
                        assertThat(e.keyId()).isEqualTo(rotated.json().path("id").asText());
                        assertThat(e.reason()).isEqualTo("revoked");
                    });
            assertThat(events).filteredOn(CreditsGranted.class::isInstance).map(CreditsGranted.class::cast)
                    .singleElement().satisfies(e -> assertThat(e.actor()).isEqualTo(adminKeyId));
        });
        // The events carry prefixes at most, never a secret.
        String secret = issued.json().path("key").asText();
        assertThat(ledger().recordsOfAccount(account.id())).map(r -> new String(r.value()))
                .noneSatisfy(json -> assertThat(json).contains(secret.substring(7)));
    }

    @Test
    void providerAndCredentialChangesRecordedThroughAdminAudit() {
        String provider = "audited-" + UUID.randomUUID();
        Caller admin = new Caller("jwt:ops-lead", null, Caller.Role.ADMIN);

        audit.record(admin, new AdminAction.ProviderChanged(provider, "openai", "https://api.example/v1", "registered"));
        audit.record(admin, new AdminAction.CredentialChanged(provider, "cred-1", "added", "sk-…wxyz"));
        audit.record(admin, new AdminAction.CredentialChanged(provider, "cred-2", "added",
                "sk-this-is-a-whole-secret-not-a-mask-0123456789"));

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            var events = eventsOf(AdminTrail.SYSTEM_ACCOUNT);
            assertThat(events).filteredOn(ProviderConfigured.class::isInstance).map(ProviderConfigured.class::cast)
                    .anySatisfy(e -> {
                        assertThat(e.provider()).isEqualTo(provider);
                        assertThat(e.actor()).isEqualTo("jwt:ops-lead");
                    });
            assertThat(events).filteredOn(CredentialChanged.class::isInstance).map(CredentialChanged.class::cast)
                    .filteredOn(e -> e.provider().equals(provider))
                    .hasSize(2)
                    .anySatisfy(e -> assertThat(e.masked()).isEqualTo("sk-…wxyz"))
                    .anySatisfy(e -> assertThat(e.masked()).isNull());
        });
    }

    @Test
    void registeringAProviderAndChangingItsKeysOverHttpNameTheAdmin() {
        GatewayHttp gateway = gateway();
        String adminKeyId = gateway.get("/api/me", ADMIN_KEY).json().path("keyId").asText();
        String provider = "audited-http-" + UUID.randomUUID();
        gateway.registerProvider(provider, "http://127.0.0.1:9/v1", "sk-first-audited-key-0001");
        var added = gateway.post("/admin/providers/" + provider + "/credentials", ADMIN_KEY,
                Map.of("apiKey", "sk-second-audited-key-0002", "test", false));
        assertThat(added.status()).as(added.body()).isEqualTo(201);
        var removed = gateway.delete("/admin/providers/" + provider + "/credentials/"
                + added.json().path("id").asText(), ADMIN_KEY);
        assertThat(removed.status()).isEqualTo(204);

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            var events = eventsOf(AdminTrail.SYSTEM_ACCOUNT);
            assertThat(events).filteredOn(ProviderConfigured.class::isInstance).map(ProviderConfigured.class::cast)
                    .filteredOn(e -> e.provider().equals(provider)).singleElement()
                    .satisfies(e -> assertThat(e.actor()).isEqualTo(adminKeyId));
            assertThat(events).filteredOn(CredentialChanged.class::isInstance).map(CredentialChanged.class::cast)
                    .filteredOn(e -> e.provider().equals(provider))
                    .extracting(CredentialChanged::change, CredentialChanged::masked)
                    .containsExactly(tuple("added", "sk-f…0001"), tuple("added", "sk-s…0002"),
                            tuple("removed", "sk-s…0002"));
        });
    }
}
