package io.tollgate.views.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.events.TollgateEvent;
import io.tollgate.views.QuerySideTestBase;
import io.tollgate.views.replay.ViewsReplay;
import io.tollgate.views.replay.ViewsSchemas;
import io.tollgate.views.testing.AccountEvents;
import io.tollgate.views.testing.Infrastructure;
import io.tollgate.views.testing.LedgerPublisher;
import io.tollgate.views.testing.ViewTables;
import io.tollgate.views.testing.ViewsHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import javax.sql.DataSource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Usage, cost and call history by app (issue 16 item 2): the app on the request events becomes a dimension of
 * the usage buckets and a column of the call history, and a log written before apps existed still projects
 * and replays, as requests of no app.
 */
class AppUsageTest extends QuerySideTestBase {
    private static final String REBUILD = "views_rebuild_apps_test";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    DataSource dataSource;

    @Autowired
    JdbcClient jdbc;

    @AfterEach
    void dropTheRebuild() throws Exception {
        ViewsSchemas.drop(dataSource, REBUILD);
    }

    @Test
    void usageCostAndCallHistoryBreakDownByApp() {
        var account = new AccountEvents(AccountEvents.newAccountId()).at(Instant.parse("2026-04-01T10:00:00Z"));
        String lease = "lease-" + AccountEvents.newRequestId();
        String writerRequest = AccountEvents.newRequestId();
        List<TollgateEvent> events = new ArrayList<>(List.of(account.opened("Apps Ltd"), account.granted(5_000_000),
                account.leaseGranted(lease, 1_000_000)));
        events.addAll(account.succeededForApp("app-writer", lease, writerRequest, 10, 5, 100, 300));
        events.addAll(account.succeededForApp("app-writer", lease, AccountEvents.newRequestId(), 20, 5, 300, 200));
        events.addAll(account.succeededForApp("app-chat", lease, AccountEvents.newRequestId(), 1, 1, 50, 40));
        events.addAll(account.succeededForApp(null, lease, AccountEvents.newRequestId(), 1, 1, 50, 7));
        events.add(account.rejectedForApp("app-chat", AccountEvents.newRequestId(), "insufficient_credit"));
        ledger().publish(events);

        ViewsHttp views = views();
        String base = "/api/views/accounts/" + account.accountId();
        String period = "from=2026-04-01&to=2026-04-02";
        eventually().untilAsserted(() -> assertThat(views.usage(account.accountId()).requests()).isEqualTo(5));

        var byApp = views.get(base + "/usage/breakdown?by=app&" + period);
        assertThat(byApp.status()).as(byApp.body()).isEqualTo(200);
        assertThat(byApp.json()).extracting(n -> n.path("value").asText(null) + " " + n.path("metrics").path("requests")
                        .asLong() + " " + n.path("metrics").path("credits").decimalValue().stripTrailingZeros().toPlainString())
                .containsExactly("app-chat 2 0.00004", "app-writer 2 0.0005", "null 1 0.000007");
        JsonNode writer = views.get(base + "/usage/summary?app=app-writer&" + period).json();
        assertThat(writer.path("current").path("requests").asLong()).isEqualTo(2);
        assertThat(writer.path("current").path("inputTokens").asLong()).isEqualTo(30);
        assertThat(writer.path("current").path("credits").decimalValue()).isEqualByComparingTo("0.0005");
        JsonNode series = views.get(base + "/usage/series?granularity=hour&groupBy=app&app=app-chat&" + period).json();
        assertThat(series.path("buckets")).hasSize(1);
        assertThat(series.path("buckets").path(0).path("group").asText()).isEqualTo("app-chat");
        assertThat(series.path("buckets").path(0).path("metrics").path("rejected").asLong()).isEqualTo(1);
        JsonNode noApp = views.get(base + "/usage/breakdown?by=model&app=none&" + period).json();
        assertThat(noApp.path(0).path("metrics").path("requests").asLong()).isEqualTo(1);

        JsonNode history = views.get(base + "/requests?app=app-writer").json();
        assertThat(history).hasSize(2);
        assertThat(history).allSatisfy(row -> assertThat(row.path("appId").asText()).isEqualTo("app-writer"));
        assertThat(views.get(base + "/requests?app=app-chat&status=rejected").json()).hasSize(1);
        assertThat(views.get(base + "/requests?app=none").json()).hasSize(1);
        String csv = views.get(base + "/requests.csv?app=app-writer", "text/csv").body();
        assertThat(csv.lines().findFirst().orElseThrow()).endsWith(",app_id");
        assertThat(csv.lines().filter(line -> line.startsWith(writerRequest)).findFirst().orElseThrow())
                .endsWith(",app-writer");
    }

    @Test
    void aLogFromBeforeAppsProjectsAndReplaysAsRequestsOfNoApp() throws Exception {
        var account = new AccountEvents(AccountEvents.newAccountId()).at(Instant.parse("2026-04-02T10:00:00Z"));
        String lease = "lease-" + AccountEvents.newRequestId();
        String oldRequest = AccountEvents.newRequestId(), oldRefusal = AccountEvents.newRequestId();
        List<TollgateEvent> old = new ArrayList<>(List.of(account.opened("Old Ltd"), account.granted(5_000_000),
                account.leaseGranted(lease, 1_000_000)));
        old.addAll(account.succeededForApp(null, lease, oldRequest, 10, 5, 100, 300));
        old.add(account.rejected(oldRefusal, "insufficient_credit"));
        // As the gateway wrote them before apps: the same JSON without the appId field at all.
        List<LedgerPublisher.Encoded> written = ledger().encode(old).stream().map(AppUsageTest::withoutAppId).toList();
        assertThat(written).noneMatch(e -> new String(e.value()).contains("appId"));
        ledger().send(written);
        ledger().publish(account.succeededForApp("app-new", lease, AccountEvents.newRequestId(), 1, 1, 50, 9));

        ViewsHttp views = views();
        String base = "/api/views/accounts/" + account.accountId();
        eventually().untilAsserted(() -> assertThat(views.usage(account.accountId()).requests()).isEqualTo(3));
        assertThat(views.get(base + "/usage/breakdown?by=app&from=2026-04-02&to=2026-04-03").json())
                .extracting(n -> n.path("value").asText(null) + " " + n.path("metrics").path("requests").asLong())
                .containsExactly("null 2", "app-new 1");
        assertThat(views.get(base + "/requests?app=none").json()).extracting(n -> n.path("requestId").asText())
                .containsExactlyInAnyOrder(oldRequest, oldRefusal);

        new ViewsReplay(dataSource, Infrastructure.kafkaBootstrap(), TOPIC, 100).rebuild(REBUILD, null);
        Set<String> accounts = Set.of(account.accountId());
        for (String table : List.of("requests", "usage_hourly")) {
            assertThat(ViewTables.rows(jdbc, REBUILD, table, accounts)).as(table).isPositive();
            assertThat(ViewTables.differingRows(jdbc, table, "views", REBUILD, accounts)).as(table).isZero();
        }
    }

    private static LedgerPublisher.Encoded withoutAppId(LedgerPublisher.Encoded encoded) {
        try {
            ObjectNode json = (ObjectNode) JSON.readTree(encoded.value());
            json.remove("appId");
            return new LedgerPublisher.Encoded(encoded.key(), JSON.writeValueAsBytes(json), encoded.eventId(),
                    encoded.type(), encoded.schemaVersion());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
