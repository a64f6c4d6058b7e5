package io.tollgate.gateway.accounts;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static io.tollgate.gateway.testing.OpenAiWireFormat.COMPLETION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The admin side of an account's credit: adjustments with a reason, and closing. */
class AccountAdminTest extends GatewayTestBase {
    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    private GatewayHttp gateway;
    private String provider;

    @BeforeEach
    void registerUpstream() {
        gateway = gateway();
        provider = "wmadmin" + Integer.toHexString(upstream.getPort());
        gateway.registerProvider(provider, upstream.baseUrl() + "/v1", "sk-admin-test-0000");
        gateway.setRate(provider, "gpt-4o", "2.5", "10");
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));
    }

    @Test
    void anAdjustmentNamesItsReasonAndActorAndCannotTakeMoreThanIsAvailable() {
        var account = gateway.openAccountWithCredits("1");

        var taken = gateway.post("/admin/accounts/" + account.id() + "/adjustments", ADMIN_KEY,
                Map.of("credits", "-0.4", "reason", "double charge on invoice 17"));
        var tooMuch = gateway.post("/admin/accounts/" + account.id() + "/adjustments", ADMIN_KEY,
                Map.of("credits", "-0.7", "reason", "would overdraw"));
        var noReason = gateway.post("/admin/accounts/" + account.id() + "/adjustments", ADMIN_KEY,
                Map.of("credits", "1", "reason", " "));

        assertThat(taken.status()).as(taken.body()).isEqualTo(201);
        assertThat(tooMuch.status()).isEqualTo(400);
        assertThat(noReason.status()).isEqualTo(400);
        var adjusted = await().atMost(Duration.ofSeconds(20)).until(() -> ledger().recordsOfAccount(account.id())
                .stream().map(r -> new String(r.value())).filter(json -> json.contains("\"CreditsAdjusted\"")).toList(),
                list -> !list.isEmpty());
        assertThat(adjusted).singleElement().satisfies(json -> assertThat(json)
                .contains("\"deltaMicros\":-400000").contains("double charge on invoice 17").contains("\"actor\":\"key_"));
    }

    @Test
    void aClosedAccountCannotChatOrReceiveCreditAndClosingTwiceIsHarmless() {
        var account = gateway.openAccountWithCredits("1");

        var first = gateway.post("/admin/accounts/" + account.id() + "/close", ADMIN_KEY, Map.of("reason", "left"));
        var second = gateway.post("/admin/accounts/" + account.id() + "/close", ADMIN_KEY, Map.of("reason", "again"));
        var chat = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o",
                "messages", List.of(Map.of("role", "user", "content", "Hello"))));
        var grant = gateway.post("/admin/accounts/" + account.id() + "/grants", ADMIN_KEY, Map.of("credits", "5"));

        assertThat(first.json().path("closedNow").asBoolean()).isTrue();
        assertThat(second.json().path("closedNow").asBoolean()).isFalse();
        assertThat(chat.status()).isEqualTo(403);
        assertThat(chat.json().path("error").path("code").asText()).isEqualTo("account_closed");
        assertThat(grant.status()).isEqualTo(409);
        assertThat(grant.json().path("error").path("code").asText()).isEqualTo("account_state_conflict");
    }
}
