package io.tollgate.gateway.aigne;

import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.TestIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * AIGNE Hub's user routes on the gateway: authenticated as /api/v2 is, answered from the caller's own views
 * (the query side, a loopback stand-in here) in AIGNE Hub's field names, refused in AIGNE's error shape.
 */
class AigneUserRoutesTest extends GatewayTestBase {
    private GatewayHttp gateway;

    @BeforeEach
    void connect() {
        gateway = gateway();
    }

    @AfterEach
    void forgetStubs() {
        TestIdentity.server().resetRequests();
    }

    @Test
    void theBalanceIsTheCallersOwnReadFromTheViewsForThatAccount() {
        var account = gateway.openAccountWithCredits("2");
        String view = "/api/views/accounts/" + account.id() + "/aigne/credit/balance";
        TestIdentity.server().stubFor(get(urlPathEqualTo(view)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"balance\":\"2000000\",\"currency\":{\"decimal\":6},\"total\":\"2000000\","
                        + "\"grantCount\":1,\"pendingCredit\":\"0\"}")));

        var reply = gateway.get("/api/user/credit/balance", account.key());

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().fieldNames()).toIterable()
                .containsExactly("balance", "currency", "total", "grantCount", "pendingCredit");
        TestIdentity.server().verify(getRequestedFor(urlPathEqualTo(view))
                .withHeader("X-Tollgate-Viewer-Account", equalTo(account.id()))
                .withHeader("X-Tollgate-Viewer-Role", equalTo("user"))
                .withHeader("X-Tollgate-Internal-Token", equalTo(TestIdentity.INTERNAL_TOKEN)));
    }

    @Test
    void transactionsAndQuotaPassAigneHubsParametersOn() {
        var account = gateway.openAccountWithCredits("1");
        String base = "/api/views/accounts/" + account.id() + "/aigne";
        TestIdentity.server().stubFor(get(urlPathEqualTo(base + "/credit/transactions")).willReturn(aResponse()
                .withStatus(200).withHeader("Content-Type", "application/json")
                .withBody("{\"count\":0,\"list\":[],\"paging\":{\"page\":2,\"pageSize\":5}}")));
        TestIdentity.server().stubFor(get(urlPathEqualTo(base + "/usage/quota")).willReturn(aResponse()
                .withStatus(400).withHeader("Content-Type", "application/problem+json")
                .withBody("{\"status\":400,\"detail\":\"startTime must be a whole number\"}")));

        var transactions = gateway.get("/api/user/credit/transactions?page=2&pageSize=5&start=10", account.key());
        var quota = gateway.get("/api/usage/quota?startTime=yesterday", account.key());

        assertThat(transactions.status()).isEqualTo(200);
        assertThat(transactions.json().path("paging").path("pageSize").asInt()).isEqualTo(5);
        TestIdentity.server().verify(getRequestedFor(urlPathEqualTo(base + "/credit/transactions"))
                .withQueryParam("page", equalTo("2")).withQueryParam("pageSize", equalTo("5"))
                .withQueryParam("start", equalTo("10")));
        // A refusal of the views leaves in AIGNE Hub's error shape.
        assertThat(quota.status()).isEqualTo(400);
        assertThat(quota.json().path("error").path("message").asText()).isEqualTo("startTime must be a whole number");
    }

    @Test
    void trendsArePlatformWideAndForAdminsOnly() {
        var account = gateway.openAccountWithCredits("1");
        TestIdentity.server().stubFor(get(urlPathEqualTo("/api/views/admin/aigne/usage/trends")).willReturn(aResponse()
                .withStatus(200).withHeader("Content-Type", "application/json").withBody("{\"trends\":[]}")));

        var user = gateway.get("/api/usage/trends", account.key());
        var admin = gateway.get("/api/usage/trends?timeRange=7", GatewayTestBase.ADMIN_KEY);

        assertThat(user.status()).isEqualTo(403);
        assertThat(user.json().path("error").path("message").asText()).contains("Admin or owner role required");
        assertThat(admin.status()).as(admin.body()).isEqualTo(200);
        assertThat(admin.json().path("trends").isArray()).isTrue();
        TestIdentity.server().verify(1, getRequestedFor(urlPathEqualTo("/api/views/admin/aigne/usage/trends"))
                .withHeader("X-Tollgate-Viewer-Role", equalTo("admin")).withQueryParam("timeRange", equalTo("7")));
    }

    @Test
    void withoutPaymentsConfiguredThePaymentLinkIsNullAsInAigneHub() {
        var account = gateway.openAccountWithCredits("1");

        var reply = gateway.get("/api/user/credit/payment-link", account.key());
        var anonymous = gateway.get("/api/user/credit/payment-link", null);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo("null");
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.json().path("error").path("message").asText()).isNotBlank();
        assertThat(anonymous.json().path("error").has("type")).isFalse();
    }

    @Test
    void aCallerWithoutAnAccountHasNoBalance() {
        var reply = gateway.get("/api/user/credit/balance", GatewayTestBase.ADMIN_KEY);

        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.json().path("error").path("message").asText()).contains("no account");
    }
}
