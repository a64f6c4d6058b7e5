package io.tollgate.views.viewer;

import io.tollgate.events.TollgateEvent;
import io.tollgate.views.QuerySideTestBase;
import io.tollgate.views.testing.AccountEvents;
import io.tollgate.views.testing.ViewsHttp;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scoping by the caller's identity, as the gateway forwards it: without the internal token nothing is
 * answered; a user reads only their own account, through every read endpoint there is (enumerated from
 * the application's own handler mappings, so that an endpoint added later is covered too); another
 * account is "not found", exactly like one that does not exist; admin views need an admin.
 */
class ViewerScopingTest extends QuerySideTestBase {
    private static final String ACCOUNT_PREFIX = "/api/views/accounts/{accountId}";

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    @Test
    void withoutTheInternalTokenOrAViewerNothingIsAnswered() {
        var account = new AccountEvents(AccountEvents.newAccountId());
        ledger().publish(account.opened("Token Ltd"), account.granted(1_000_000));
        eventually().untilAsserted(() -> assertThat(views().balance(account.accountId()).granted()).isEqualByComparingTo("1"));
        String path = "/api/views/accounts/" + account.accountId() + "/balance";

        assertThat(ViewsHttp.withHeaders(port(), Map.of()).get(path).status()).isEqualTo(401);
        assertThat(ViewsHttp.withHeaders(port(), Map.of("X-Tollgate-Internal-Token", "guess",
                "X-Tollgate-Viewer-Role", "admin")).get(path).status()).isEqualTo(401);
        assertThat(ViewsHttp.withHeaders(port(), Map.of("X-Tollgate-Internal-Token", ViewsHttp.INTERNAL_TOKEN))
                .get(path).status()).isEqualTo(401);
        assertThat(ViewsHttp.withHeaders(port(), Map.of("X-Tollgate-Internal-Token", ViewsHttp.INTERNAL_TOKEN,
                "X-Tollgate-Viewer-Role", "user")).get(path).status()).isEqualTo(401);
        assertThat(ViewsHttp.withHeaders(port(), Map.of("X-Tollgate-Internal-Token", ViewsHttp.INTERNAL_TOKEN,
                "X-Tollgate-Viewer-Role", "root", "X-Tollgate-Viewer-Account", account.accountId())).get(path).status())
                .isEqualTo(401);
        var unauthorized = ViewsHttp.withHeaders(port(), Map.of()).get(path);
        assertThat(unauthorized.contentType()).startsWith("application/problem+json");
        assertThat(unauthorized.body()).doesNotContain("Token Ltd");
        // The actuator is not part of the read API: it is on the management port, open there for probes and scraping.
        assertThat(ViewsHttp.withHeaders(managementPort(), Map.of()).get("/actuator/health").status()).isEqualTo(200);
    }

    @Test
    void aUserReadsNothingOfAnotherAccountThroughAnyEndpoint() {
        var a = new AccountEvents(AccountEvents.newAccountId()).at(Instant.parse("2026-05-10T09:00:00Z"));
        var b = new AccountEvents(AccountEvents.newAccountId()).at(Instant.parse("2026-05-10T09:00:00Z"));
        List<TollgateEvent> events = new ArrayList<>();
        for (AccountEvents account : List.of(a, b)) {
            events.add(account.opened("Tenant " + account.accountId()));
            events.add(account.granted(5_000_000));
            events.addAll(account.succeededRequest(AccountEvents.newRequestId(), 9_000, 100, 5, 5, 50));
            events.add(account.rejected(AccountEvents.newRequestId(), "insufficient_credit"));
        }
        ledger().publish(events);
        eventually().untilAsserted(() -> {
            assertThat(views().usage(a.accountId()).requests()).isEqualTo(2);
            assertThat(views().usage(b.accountId()).requests()).isEqualTo(2);
        });

        List<String> accountEndpoints = endpoints(p -> p.startsWith(ACCOUNT_PREFIX));
        List<String> adminEndpoints = endpoints(p -> p.startsWith("/api/views/admin"));
        // Not vacuous: every view the query side serves is in the lists.
        assertThat(accountEndpoints).contains(ACCOUNT_PREFIX + "/balance", ACCOUNT_PREFIX + "/usage",
                ACCOUNT_PREFIX + "/usage/series", ACCOUNT_PREFIX + "/usage/summary", ACCOUNT_PREFIX + "/usage/breakdown",
                ACCOUNT_PREFIX + "/requests", ACCOUNT_PREFIX + "/requests.csv", ACCOUNT_PREFIX + "/ledger",
                ACCOUNT_PREFIX + "/statements", ACCOUNT_PREFIX + "/statements/{month}");
        assertThat(adminEndpoints).contains("/api/views/admin/overview", "/api/views/admin/accounts");
        assertThat(endpoints(p -> p.startsWith("/api/views"))).hasSize(accountEndpoints.size() + adminEndpoints.size());

        ViewsHttp userA = viewsAs(a.accountId());
        ViewsHttp userB = viewsAs(b.accountId());
        ViewsHttp admin = views();
        String unknown = AccountEvents.newAccountId();
        for (String endpoint : accountEndpoints) {
            var ofB = userA.get(url(endpoint, b.accountId()));
            var ofNobody = userA.get(url(endpoint, unknown));
            assertThat(ofB.status()).as("user A on B's %s", endpoint).isEqualTo(404);
            assertThat(ofB.body()).as("user A on B's %s", endpoint)
                    .doesNotContain("Tenant").doesNotContain("mock-small")
                    .isEqualTo(ofNobody.body().replace(unknown, b.accountId()));
            assertThat(userA.get(url(endpoint, a.accountId())).status()).as("user A on own %s", endpoint).isEqualTo(200);
            assertThat(userB.get(url(endpoint, b.accountId())).status()).as("user B on own %s", endpoint).isEqualTo(200);
            assertThat(admin.get(url(endpoint, b.accountId())).status()).as("admin on B's %s", endpoint).isEqualTo(200);
        }
        for (String endpoint : adminEndpoints) {
            assertThat(userA.get(endpoint).status()).as("user on %s", endpoint).isEqualTo(403);
            assertThat(admin.get(endpoint).status()).as("admin on %s", endpoint).isEqualTo(200);
        }
        // What a user does see of their own is only their own.
        assertThat(userA.requests(a.accountId())).hasSize(2);
        assertThat(userA.get(url(ACCOUNT_PREFIX + "/requests.csv", a.accountId())).body())
                .doesNotContain(b.accountId());
    }

    private List<String> endpoints(java.util.function.Predicate<String> which) {
        var patterns = new TreeSet<String>();
        mappings.getHandlerMethods().keySet().forEach(info -> info.getPatternValues().stream().filter(which).forEach(patterns::add));
        return List.copyOf(patterns);
    }

    private static String url(String pattern, String accountId) {
        return pattern.replace("{accountId}", accountId).replace("{month}", "2026-05");
    }
}
