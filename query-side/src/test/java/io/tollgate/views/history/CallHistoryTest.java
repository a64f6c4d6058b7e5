package io.tollgate.views.history;

import com.fasterxml.jackson.core.type.TypeReference;
import io.tollgate.events.TollgateEvent;
import io.tollgate.views.QuerySideTestBase;
import io.tollgate.views.testing.AccountEvents;
import io.tollgate.views.testing.ViewsHttp;
import io.tollgate.views.testing.ViewsHttp.RequestRow;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Call history: filters, keyset pagination with an opaque cursor, and the streamed CSV export. */
class CallHistoryTest extends QuerySideTestBase {
    private static final TypeReference<List<RequestRow>> ROWS = new TypeReference<>() {
    };

    @Test
    void filtersAndKeysetPagesCoverEveryRequestExactlyOnce() {
        var account = new AccountEvents(AccountEvents.newAccountId()).at(Instant.parse("2026-04-01T10:00:00Z"));
        List<TollgateEvent> events = new ArrayList<>(List.of(account.opened("History Ltd"), account.granted(9_000_000)));
        for (int i = 1; i <= 25; i++) {
            if (i == 11) {
                account.at(Instant.parse("2026-04-02T10:00:00Z"));
            }
            events.addAll(account.succeededRequest(AccountEvents.newRequestId(), "key-a", "m1", i * 10L, 5, 3, 2, 7));
        }
        for (int i = 0; i < 5; i++) {
            events.addAll(account.failedRequest(AccountEvents.newRequestId(), 9_000));     // 300 ms each
        }
        for (int i = 0; i < 3; i++) {
            events.add(account.rejected(AccountEvents.newRequestId(), "insufficient_credit"));
        }
        ledger().publish(events);
        ViewsHttp views = views();
        String base = "/api/views/accounts/" + account.accountId() + "/requests";
        eventually().untilAsserted(() -> assertThat(views.requests(account.accountId(), 500)).hasSize(33));

        List<RequestRow> all = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            var page = views.get(base + "?limit=10" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).isEqualTo(200);
            all.addAll(page.as(ROWS));
            cursor = page.header("X-Next-Cursor");
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(4);
        assertThat(all).hasSize(33);
        assertThat(all).extracting(RequestRow::requestId).doesNotHaveDuplicates();
        assertThat(all).extracting(RequestRow::acceptedAt).isSortedAccordingTo((a, b) -> b.compareTo(a));
        assertThat(all).extracting(RequestRow::requestId)
                .containsExactlyElementsOf(views.requests(account.accountId(), 500).stream().map(RequestRow::requestId).toList());

        assertThat(views.read(base + "?status=failed", ROWS)).hasSize(5).extracting(RequestRow::error).containsOnly("upstream_5xx");
        assertThat(views.read(base + "?status=rejected", ROWS)).hasSize(3);
        assertThat(views.read(base + "?model=m1&limit=500", ROWS)).hasSize(25);
        assertThat(views.read(base + "?model=mock/m1&limit=500", ROWS)).hasSize(25);
        assertThat(views.read(base + "?key=key-a&limit=500", ROWS)).hasSize(25).extracting(RequestRow::apiKeyId).containsOnly("key-a");
        // 200 ms or more upstream: requests 20…25 (200…250 ms) and the five failed ones (300 ms)
        assertThat(views.read(base + "?minDurationMs=200&limit=500", ROWS)).hasSize(11);
        assertThat(views.read(base + "?from=2026-04-02&limit=500", ROWS)).hasSize(23);
        assertThat(views.read(base + "?from=2026-04-01&to=2026-04-02&limit=500", ROWS)).hasSize(10);
        assertThat(views.read(base + "?status=succeeded&from=2026-04-01&to=2026-04-02&limit=3", ROWS))
                .hasSize(3).extracting(RequestRow::latencyMillis).containsExactly(100L, 90L, 80L);

        assertThat(views.get(base + "?cursor=not-a-cursor").status()).isEqualTo(400);
        assertThat(views.get(base + "?status=lost").status()).isEqualTo(400);
    }

    @Test
    void theCsvExportStreamsEveryRowBeyondOneFetchAndQuotesFields() {
        var account = new AccountEvents(AccountEvents.newAccountId());
        List<TollgateEvent> events = new ArrayList<>(List.of(account.opened("Export Ltd"), account.granted(1_000_000)));
        String tricky = AccountEvents.newRequestId();
        events.addAll(account.succeededRequest(AccountEvents.newRequestId(), 5_000, 120, 11, 7, 25));
        events.add(account.rejected(tricky, "bad, \"quoted\""));
        int rejected = 1_300;    // more than the export's fetch size of 1,000
        for (int i = 0; i < rejected; i++) {
            events.add(account.rejected(AccountEvents.newRequestId(), "insufficient_credit"));
        }
        ledger().publish(events);
        ViewsHttp views = views();
        eventually().untilAsserted(() -> assertThat(views.usage(account.accountId()).requests()).isEqualTo(rejected + 2));

        var csv = views.get("/api/views/accounts/" + account.accountId() + "/requests.csv");
        assertThat(csv.status()).isEqualTo(200);
        assertThat(csv.contentType()).startsWith("text/csv");
        assertThat(csv.header("Content-Disposition")).contains("attachment");
        String[] lines = csv.body().split("\n");
        assertThat(lines[0]).startsWith("request_id,api_key_id,provider,model,status");
        assertThat(lines).hasSize(rejected + 3);
        Set<String> ids = new HashSet<>();
        for (int i = 1; i < lines.length; i++) {
            ids.add(lines[i].substring(0, lines[i].indexOf(',')));
        }
        assertThat(ids).hasSize(rejected + 2).contains(tricky);
        assertThat(csv.body()).contains(tricky + ",,,mock-small,rejected,402,,0,,,,,,,,,\"bad, \"\"quoted\"\"\",");
        assertThat(csv.body()).containsPattern(",mock,mock-small,succeeded,200,false,1,11,7,0,false,0.000025,,120,30,,");

        var succeededOnly = views.get("/api/views/accounts/" + account.accountId() + "/requests.csv?status="
                + URLEncoder.encode("succeeded", StandardCharsets.UTF_8));
        assertThat(succeededOnly.body().split("\n")).hasSize(2);
    }
}
