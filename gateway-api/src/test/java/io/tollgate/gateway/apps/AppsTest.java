package io.tollgate.gateway.apps;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.RequestRejected;
import io.tollgate.events.TollgateEvent;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.auth.Apps;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Apps through HTTP: an admin creates them, keys are bound to them, and every request carries its app (the
 * header's or the key's) on its events; an app that is not the caller's is refused in the caller's shape,
 * before anything is held or sent upstream.
 */
class AppsTest extends GatewayTestBase {
    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    private GatewayHttp gateway;
    private String provider;

    @BeforeEach
    void registerUpstream() {
        gateway = gateway();
        provider = OpenAiWireFormat.servingCompletions(gateway, upstream, "wm", "sk-test-provider-apps");
    }

    @Test
    void theHeadersAppIsOnTheRequestsEvents() {
        var account = gateway.openAccountWithCredits("1");
        String app = createApp(account.id(), "Writer");

        var reply = chat(account.key(), Map.of(Apps.HEADER, app));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        var accepted = (RequestAccepted) awaitEvents(reply.header("x-request-id"), 4).getFirst();
        assertThat(accepted.appId()).isEqualTo(app);
        var none = chat(account.key(), Map.of());
        assertThat(((RequestAccepted) awaitEvents(none.header("x-request-id"), 4).getFirst()).appId()).isNull();
    }

    @Test
    void aKeyBoundToAnAppMakesEveryRequestForItAndMayNotClaimAnother() {
        var account = gateway.openAccountWithCredits("1");
        String bound = createApp(account.id(), "Bound");
        String other = createApp(account.id(), "Other");
        var key = gateway.post("/admin/keys", GatewayTestBase.ADMIN_KEY,
                Map.of("name", "bound key", "accountId", account.id(), "appId", bound));
        assertThat(key.status()).as(key.body()).isEqualTo(201);
        assertThat(key.json().path("appId").asText()).isEqualTo(bound);
        String secret = key.json().path("key").asText();

        var reply = chat(secret, Map.of());
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(((RequestAccepted) awaitEvents(reply.header("x-request-id"), 4).getFirst()).appId()).isEqualTo(bound);

        int calls = upstreamCalls();
        var claimsAnother = chat(secret, Map.of(Apps.HEADER, other));
        assertThat(claimsAnother.status()).isEqualTo(403);
        assertThat(claimsAnother.json().path("error").path("code").asText()).isEqualTo("app_not_allowed");
        assertThat(upstreamCalls()).isEqualTo(calls);

        // Keys made with a bound key are bound to the same app, and cannot choose another.
        var child = gateway.post("/api/keys", secret, Map.of("name", "child"));
        assertThat(child.status()).as(child.body()).isEqualTo(201);
        assertThat(child.json().path("appId").asText()).isEqualTo(bound);
        var elsewhere = gateway.post("/api/keys", secret, Map.of("name", "child2", "appId", other));
        assertThat(elsewhere.status()).isEqualTo(403);
    }

    @Test
    void anotherAccountsAppIsRefusedInEachCallersShapeAndNothingIsHeldOrSent() {
        var mine = gateway.openAccountWithCredits("1");
        var theirs = gateway.openAccountWithCredits("1");
        String theirApp = createApp(theirs.id(), "Theirs");
        int calls = upstreamCalls();

        var openAi = chat(mine.key(), Map.of(Apps.HEADER, theirApp));
        var anthropic = gateway.post("/v1/messages", mine.key(), Map.of("model", provider + "/gpt-4o",
                "max_tokens", 20, "messages", List.of(Map.of("role", "user", "content", "Hi"))),
                Map.of(Apps.HEADER, theirApp));
        var aigne = gateway.post("/api/v2/chat/completions", mine.key(), Map.of("model", provider + "/gpt-4o",
                "messages", List.of(Map.of("role", "user", "content", "Hi"))), Map.of(Apps.HEADER, theirApp));
        var unknown = chat(mine.key(), Map.of(Apps.HEADER, "no-such-app"));

        assertThat(openAi.status()).isEqualTo(400);
        assertThat(openAi.json().path("error").path("code").asText()).isEqualTo("unknown_app");
        assertThat(anthropic.status()).isEqualTo(400);
        assertThat(anthropic.json().path("type").asText()).isEqualTo("error");
        assertThat(anthropic.json().path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(aigne.status()).isEqualTo(400);
        assertThat(aigne.json().path("error").path("message").asText()).contains(theirApp);
        // Another account's app answers exactly as an app that does not exist, apart from its name.
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().path("error").path("message").asText())
                .isEqualTo(openAi.json().path("error").path("message").asText().replace(theirApp, "no-such-app"));
        assertThat(upstreamCalls()).isEqualTo(calls);
        assertThat(ledger().recordsOfAccount(mine.id())).noneMatch(r -> new String(r.value()).contains("Request"));
        // A key cannot be bound to another account's app either.
        var key = gateway.post("/admin/keys", GatewayTestBase.ADMIN_KEY,
                Map.of("name", "k", "accountId", mine.id(), "appId", theirApp));
        assertThat(key.status()).isEqualTo(400);
    }

    @Test
    void aDisabledAppTakesNoMoreRequests() {
        var account = gateway.openAccountWithCredits("1");
        String app = createApp(account.id(), "Retired");
        assertThat(chat(account.key(), Map.of(Apps.HEADER, app)).status()).isEqualTo(200);

        var disabled = gateway.post("/admin/apps/" + app + "/disable", GatewayTestBase.ADMIN_KEY, Map.of());

        assertThat(disabled.status()).as(disabled.body()).isEqualTo(200);
        assertThat(disabled.json().path("state").asText()).isEqualTo("disabled");
        var refused = chat(account.key(), Map.of(Apps.HEADER, app));
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().path("error").path("code").asText()).isEqualTo("app_disabled");
    }

    @Test
    void appsAreListedPerAccountAndARefusalCarriesTheApp() {
        var account = gateway.openAccountWithCredits("0.0001");
        String app = createApp(account.id(), "Poor");
        assertThat(gateway.post("/admin/apps", GatewayTestBase.ADMIN_KEY,
                Map.of("accountId", account.id(), "name", "Poor")).status()).isEqualTo(409);
        assertThat(gateway.post("/admin/apps", GatewayTestBase.ADMIN_KEY,
                Map.of("accountId", "acct-never-opened", "name", "X")).status()).isEqualTo(404);

        var listed = gateway.get("/admin/apps?accountId=" + account.id(), GatewayTestBase.ADMIN_KEY);
        var own = gateway.get("/api/apps", account.key());
        var refused = chat(account.key(), Map.of(Apps.HEADER, app));

        assertThat(listed.json().findValuesAsText("id")).containsExactly(app);
        assertThat(own.json().findValuesAsText("id")).containsExactly(app);
        assertThat(refused.status()).isEqualTo(402);
        var rejected = (RequestRejected) awaitEvents(refused.header("x-request-id"), 1).getFirst();
        assertThat(rejected.appId()).isEqualTo(app);
    }

    private String createApp(String accountId, String name) {
        var created = gateway.post("/admin/apps", GatewayTestBase.ADMIN_KEY, Map.of("accountId", accountId, "name", name));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().path("accountId").asText()).isEqualTo(accountId);
        return created.json().path("id").asText();
    }

    private GatewayHttp.Reply chat(String key, Map<String, String> headers) {
        return gateway.post(CHAT_PATH, key, Map.of("model", provider + "/gpt-4o", "max_tokens", 20,
                "messages", List.of(Map.of("role", "user", "content", "Hello"))), headers);
    }

    private int upstreamCalls() {
        return upstream.findAll(postRequestedFor(urlEqualTo(CHAT_PATH))).size();
    }

    private List<TollgateEvent> awaitEvents(String requestId, int count) {
        return await().atMost(Duration.ofSeconds(20))
                .until(() -> ledger().eventsOf(requestId), events -> events.size() >= count);
    }
}
