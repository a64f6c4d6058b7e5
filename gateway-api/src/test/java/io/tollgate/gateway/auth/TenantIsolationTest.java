package io.tollgate.gateway.auth;

import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.TestIdentity;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * User A reads nothing of user B's through any read endpoint of the gateway: admin endpoints, keys,
 * limits, and the views proxy (the query side is a WireMock stand-in that answers like the real one: an
 * account's data only to a viewer of that account, 404 otherwise; and the test checks the headers the
 * gateway forwards).
 */
class TenantIsolationTest extends GatewayTestBase {
    private GatewayHttp gateway;
    private GatewayHttp.Account a;
    private GatewayHttp.Account b;
    private String bKeyId;

    @BeforeEach
    void twoTenants() {
        gateway = gateway();
        a = gateway.openAccountWithCredits("1");
        b = gateway.openAccountWithCredits("1");
        bKeyId = gateway.get("/api/me", b.key()).json().path("keyId").asText();
        var views = TestIdentity.server();
        for (var account : List.of(a, b)) {
            views.stubFor(get(urlPathMatching("/api/views/accounts/" + account.id() + "/.*")).atPriority(1)
                    .withHeader("X-Tollgate-Internal-Token", equalTo(TestIdentity.INTERNAL_TOKEN))
                    .withHeader("X-Tollgate-Viewer-Account", equalTo(account.id()))
                    .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                            .withBody("{\"accountId\":\"" + account.id() + "\",\"balance\":\"1\"}")));
            views.stubFor(get(urlPathMatching("/api/views/accounts/" + account.id() + "/.*")).atPriority(2)
                    .withHeader("X-Tollgate-Internal-Token", equalTo(TestIdentity.INTERNAL_TOKEN))
                    .withHeader("X-Tollgate-Viewer-Role", equalTo("admin"))
                    .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                            .withBody("{\"accountId\":\"" + account.id() + "\",\"balance\":\"1\"}")));
        }
        views.stubFor(get(urlPathMatching("/api/views/.*")).atPriority(9)
                .willReturn(aResponse().withStatus(404).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":\"not found\"}")));
    }

    @Test
    void adminEndpointsAreClosedToUsers() {
        for (String path : List.of("/admin/keys", "/admin/keys?accountId=" + b.id(), "/admin/keys/" + bKeyId,
                "/admin/providers", "/admin/rates", "/admin/limits/accounts/" + b.id(), "/admin/limits/keys/" + bKeyId)) {
            var reply = gateway.get(path, a.key());
            assertThat(reply.status()).as(path).isEqualTo(403);
            assertThat(reply.body()).doesNotContain(b.id());
        }
        var grant = gateway.post("/admin/accounts/" + b.id() + "/grants", a.key(), Map.of("credits", "100"));
        var limits = gateway.put("/admin/limits/accounts/" + b.id(), a.key(), Map.of("requestsPerMinute", 1));
        assertThat(grant.status()).isEqualTo(403);
        assertThat(limits.status()).isEqualTo(403);
    }

    @Test
    void aUserSeesAndTouchesOnlyTheKeysOfItsOwnAccount() {
        var listed = gateway.get("/api/keys", a.key());
        var bsKey = gateway.get("/api/keys/" + bKeyId, a.key());
        var rotate = gateway.post("/api/keys/" + bKeyId + "/rotate", a.key(), Map.of());
        var revoke = gateway.delete("/api/keys/" + bKeyId, a.key());
        var unknown = gateway.get("/api/keys/key_does_not_exist", a.key());

        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.body()).doesNotContain(b.id()).doesNotContain(bKeyId);
        assertThat(listed.json().findValuesAsText("accountId")).containsOnly(a.id());
        for (var reply : List.of(bsKey, rotate, revoke)) {
            assertThat(reply.status()).isEqualTo(404);
            // indistinguishable from a key that does not exist
            assertThat(reply.json().path("error")).isEqualTo(unknown.json().path("error"));
        }
        assertThat(gateway.get("/v1/models", b.key()).status()).as("B's key still works").isEqualTo(200);
    }

    @Test
    void limitsShowOnlyTheCallersOwn() {
        var own = gateway.get("/api/limits", a.key());
        assertThat(own.status()).isEqualTo(200);
        assertThat(own.json().path("account").path("subjectId").asText()).isEqualTo(a.id());
        assertThat(own.body()).doesNotContain(b.id());
    }

    @Test
    void theViewsProxyTellsTheQuerySideWhoIsAskingAndNothingElse() {
        var own = gateway.request("GET", "/api/views/accounts/" + a.id() + "/balance", a.key(), null,
                Map.of("X-Tollgate-Viewer-Account", b.id(), "X-Tollgate-Viewer-Role", "admin",
                        "X-Tollgate-Internal-Token", "forged"));
        var others = gateway.request("GET", "/api/views/accounts/" + b.id() + "/balance", a.key(), null,
                Map.of("X-Tollgate-Viewer-Account", b.id(), "X-Tollgate-Viewer-Role", "admin"));
        var othersUsage = gateway.get("/api/views/accounts/" + b.id() + "/usage?limit=5", a.key());
        var othersByToken = gateway.get("/api/views/accounts/" + b.id() + "/statements",
                TestIdentity.userToken("alice-" + a.id(), a.id()));
        var admin = gateway.get("/api/views/accounts/" + b.id() + "/balance", ADMIN_KEY);
        var anonymous = gateway.get("/api/views/accounts/" + a.id() + "/balance", null);

        assertThat(own.status()).as(own.body()).isEqualTo(200);
        assertThat(own.json().path("accountId").asText()).isEqualTo(a.id());
        for (var reply : List.of(others, othersUsage, othersByToken)) {
            assertThat(reply.status()).isEqualTo(404);
            assertThat(reply.body()).doesNotContain("balance");
        }
        assertThat(admin.status()).isEqualTo(200);
        assertThat(anonymous.status()).isEqualTo(401);

        String aKeyId = gateway.get("/api/me", a.key()).json().path("keyId").asText();
        var views = TestIdentity.server();
        var fromA = views.findAll(getRequestedFor(urlPathMatching("/api/views/accounts/.*"))
                .withHeader("X-Tollgate-Viewer-Key", equalTo(aKeyId)));
        assertThat(fromA).hasSize(3);
        for (var request : fromA) {
            assertThat(request.getHeaders().getHeader("X-Tollgate-Viewer-Account").values()).containsExactly(a.id());
            assertThat(request.getHeaders().getHeader("X-Tollgate-Viewer-Role").values()).containsExactly("user");
            assertThat(request.getHeaders().getHeader("X-Tollgate-Internal-Token").values())
                    .containsExactly(TestIdentity.INTERNAL_TOKEN);
            assertThat(request.containsHeader("Authorization")).isFalse();
            assertThat(request.containsHeader("x-api-key")).isFalse();
        }
        views.verify(getRequestedFor(urlPathEqualTo("/api/views/accounts/" + b.id() + "/usage"))
                .withQueryParam("limit", equalTo("5")));
        var fromAdmin = views.findAll(getRequestedFor(urlPathEqualTo("/api/views/accounts/" + b.id() + "/balance"))
                .withHeader("X-Tollgate-Viewer-Role", equalTo("admin")));
        assertThat(fromAdmin).isNotEmpty().allSatisfy(request ->
                assertThat(request.containsHeader("X-Tollgate-Viewer-Account")).isFalse());
    }

    @Test
    void aLargeExportStreamsThroughWithItsHeaders() {
        String row = "2026-11-23T00:00:00Z," + a.id() + ",openai/gpt-4o,19,10,0.000148\n";
        String csv = "occurredAt,account,model,input,output,credits\n" + row.repeat(40_000);
        TestIdentity.server().stubFor(get(urlPathEqualTo("/api/views/accounts/" + a.id() + "/usage.csv"))
                .atPriority(0).withHeader("X-Tollgate-Viewer-Account", equalTo(a.id()))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/csv")
                        .withHeader("Content-Disposition", "attachment; filename=usage.csv")
                        .withChunkedDribbleDelay(20, 200).withBody(csv)));

        var export = gateway.get("/api/views/accounts/" + a.id() + "/usage.csv", a.key());

        assertThat(export.status()).isEqualTo(200);
        assertThat(export.header("Content-Type")).startsWith("text/csv");
        assertThat(export.header("Content-Disposition")).isEqualTo("attachment; filename=usage.csv");
        assertThat(export.body()).hasSize(csv.length()).isEqualTo(csv);
    }

    @Test
    void apiDocumentationIsOpenOnTheManagementPortOnly() {
        assertThat(gateway.get("/v3/api-docs", null).status()).isEqualTo(404);
        assertThat(new GatewayHttp(managementUrl(), ADMIN_KEY).get("/actuator/openapi", null).status()).isEqualTo(200);
    }
}
