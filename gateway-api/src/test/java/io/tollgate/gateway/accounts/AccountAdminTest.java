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
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
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
        provider = OpenAiWireFormat.servingCompletions(gateway, upstream, "wmadmin", "sk-admin-test-0000");
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

    @Test
    void aGrantRetriedWithTheSameIdempotencyKeyGrantsOnceAndTheSameKeyWithAnotherBodyIs422() {
        var account = gateway.openAccountWithCredits("1");
        String grants = "/admin/accounts/" + account.id() + "/grants";
        Map<String, String> key = Map.of("Idempotency-Key", "webhook-" + UUID.randomUUID());

        var first = gateway.post(grants, ADMIN_KEY, Map.of("credits", "5"), key);
        // A webhook sent again, or a batch whose commit the caller never heard of: the same key once more.
        var retried = gateway.post(grants, ADMIN_KEY, Map.of("credits", "5"), key);
        var otherBody = gateway.post(grants, ADMIN_KEY, Map.of("credits", "7"), key);

        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(retried.status()).as(retried.body()).isEqualTo(201);
        assertThat(retried.header("idempotent-replayed")).isEqualTo("true");
        assertThat(retried.json().path("grantId").asText()).isEqualTo(first.json().path("grantId").asText());
        assertThat(otherBody.status()).as(otherBody.body()).isEqualTo(422);
        assertThat(otherBody.json().path("error").path("code").asText()).isEqualTo("idempotency_key_reused");
        assertThat(grantedMicros(account.id(), 2)).containsExactly(1_000_000L, 5_000_000L);
    }

    @Test
    void aGrantWithAClientChosenIdIsGrantedOnceEvenAfterItsCreditWasSpent() {
        var account = gateway.openAccountWithCredits("1");
        String grants = "/admin/accounts/" + account.id() + "/grants";
        String grantId = "invoice-" + UUID.randomUUID();

        var first = gateway.post(grants, ADMIN_KEY, Map.of("credits", "0.5", "grantId", grantId));
        var spent = gateway.post("/admin/accounts/" + account.id() + "/adjustments", ADMIN_KEY,
                Map.of("credits", "-1.5", "reason", "spend it all"));
        var retried = gateway.post(grants, ADMIN_KEY, Map.of("credits", "0.5", "grantId", grantId));
        var badId = gateway.post(grants, ADMIN_KEY, Map.of("credits", "0.5", "grantId", "no spaces allowed"));

        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(first.json().path("grantId").asText()).isEqualTo(grantId);
        assertThat(spent.status()).as(spent.body()).isEqualTo(201);
        assertThat(retried.status()).as(retried.body()).isEqualTo(201);
        assertThat(retried.header("idempotent-replayed")).isEqualTo("true");
        assertThat(badId.status()).isEqualTo(400);
        assertThat(grantedMicros(account.id(), 2)).containsExactly(1_000_000L, 500_000L);
    }

    @Test
    void anAdjustmentRetriedWithTheSameIdempotencyKeyAdjustsOnce() {
        var account = gateway.openAccountWithCredits("1");
        String adjustments = "/admin/accounts/" + account.id() + "/adjustments";
        Map<String, String> key = Map.of("Idempotency-Key", "refund-" + UUID.randomUUID());
        Map<String, String> body = Map.of("credits", "-0.25", "reason", "refund of invoice 9");

        var first = gateway.post(adjustments, ADMIN_KEY, body, key);
        var retried = gateway.post(adjustments, ADMIN_KEY, body, key);
        var otherBody = gateway.post(adjustments, ADMIN_KEY, Map.of("credits", "-0.5", "reason", "refund"), key);
        var withoutKey = gateway.post(adjustments, ADMIN_KEY, Map.of("credits", "0.1", "reason", "goodwill"));

        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(retried.status()).as(retried.body()).isEqualTo(201);
        assertThat(retried.header("idempotent-replayed")).isEqualTo("true");
        assertThat(otherBody.status()).as(otherBody.body()).isEqualTo(422);
        assertThat(otherBody.json().path("error").path("code").asText()).isEqualTo("idempotency_key_reused");
        assertThat(withoutKey.status()).isEqualTo(201);
        // The topic keeps one account's events in order: a second adjustment by the retry would come before this one.
        var adjusted = await().atMost(Duration.ofSeconds(20)).until(() -> eventsOf(account.id(), "CreditsAdjusted"),
                list -> list.stream().anyMatch(json -> json.contains("goodwill")));
        assertThat(adjusted).hasSize(2);
        assertThat(adjusted.getFirst()).contains("\"deltaMicros\":-250000");
    }

    /** The amounts of the account's CreditsGranted events on the topic, once {@code expected} of them are there. */
    private List<Long> grantedMicros(String accountId, int expected) {
        // Any later event on the account comes after a second grant, had there been one: the topic keeps
        // one account's events in order.
        gateway.post("/admin/accounts/" + accountId + "/adjustments", ADMIN_KEY,
                Map.of("credits", "0.000001", "reason", "marker"));
        await().atMost(Duration.ofSeconds(20)).until(() -> eventsOf(accountId, "CreditsAdjusted"),
                list -> list.stream().anyMatch(json -> json.contains("\"marker\"")));
        List<String> granted = eventsOf(accountId, "CreditsGranted");
        assertThat(granted).hasSize(expected);
        return granted.stream().map(json -> Long.parseLong(json.replaceAll(".*\"amountMicros\":(\\d+).*", "$1"))).toList();
    }

    private List<String> eventsOf(String accountId, String type) {
        return ledger().recordsOfAccount(accountId).stream().map(r -> new String(r.value()))
                .filter(json -> json.contains("\"" + type + "\"")).toList();
    }
}
