package io.tollgate.views.usage;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.events.TollgateEvent;
import io.tollgate.views.QuerySideTestBase;
import io.tollgate.views.testing.AccountEvents;
import io.tollgate.views.testing.ViewsHttp;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Usage analytics through the real broker: hourly numbers, percentiles, breakdowns, change, time zones. */
class UsageAnalyticsTest extends QuerySideTestBase {

    @Test
    void hourlyBucketsCountRequestsTokensCreditsAndLatencyPercentiles() {
        var account = new AccountEvents(AccountEvents.newAccountId()).at(Instant.parse("2026-03-01T10:00:00Z"));
        List<TollgateEvent> events = new ArrayList<>(List.of(account.opened("Usage Ltd"), account.granted(5_000_000)));
        for (int i = 1; i <= 10; i++) {
            // latencies 100, 200, … 1000 ms; TTFB a quarter of that
            events.addAll(account.succeededRequest(AccountEvents.newRequestId(), "key-a", "m1", i * 100L, i * 25L,
                    10, 5, 100));
        }
        account.at(Instant.parse("2026-03-01T11:00:00Z"));
        for (int i = 0; i < 4; i++) {
            events.addAll(account.succeededRequest(AccountEvents.newRequestId(), "key-b", "m2", 50, 10, 20, 10, 10));
        }
        events.addAll(account.failedRequest(AccountEvents.newRequestId(), 9_000));   // key-1, mock-small, 300 ms
        events.add(account.rejected(AccountEvents.newRequestId(), "insufficient_credit"));
        account.at(Instant.parse("2026-02-28T12:00:00Z"));
        events.addAll(account.succeededRequest(AccountEvents.newRequestId(), "key-a", "m1", 100, 20, 1, 1, 50));
        events.addAll(account.succeededRequest(AccountEvents.newRequestId(), "key-a", "m1", 100, 20, 1, 1, 50));
        ledger().publish(events);

        ViewsHttp views = views();
        String base = "/api/views/accounts/" + account.accountId() + "/usage";
        eventually().untilAsserted(() -> assertThat(views.usage(account.accountId()).requests()).isEqualTo(18));

        JsonNode series = views.get(base + "/series?granularity=hour&from=2026-03-01&to=2026-03-02").json();
        assertThat(series.path("timeZone").asText()).isEqualTo("UTC");
        JsonNode buckets = series.path("buckets");
        assertThat(buckets).hasSize(2);
        JsonNode ten = buckets.path(0);
        assertThat(OffsetDateTime.parse(ten.path("start").asText()).toInstant()).isEqualTo("2026-03-01T10:00:00Z");
        JsonNode m = ten.path("metrics");
        assertThat(m.path("requests").asLong()).isEqualTo(10);
        assertThat(m.path("succeeded").asLong()).isEqualTo(10);
        assertThat(m.path("inputTokens").asLong()).isEqualTo(100);
        assertThat(m.path("outputTokens").asLong()).isEqualTo(50);
        assertThat(m.path("credits").decimalValue()).isEqualByComparingTo("0.001");
        assertThat(m.path("latencyMillis").path("count").asLong()).isEqualTo(10);
        assertThat(m.path("latencyMillis").path("avg").asLong()).isEqualTo(550);
        // Percentiles come from log buckets about 19 % wide.
        assertThat(m.path("latencyMillis").path("p50").asLong()).isBetween(400L, 600L);
        assertThat(m.path("latencyMillis").path("p95").asLong()).isBetween(800L, 1_200L);
        assertThat(m.path("ttfbMillis").path("avg").asLong()).isEqualTo(138);
        JsonNode eleven = buckets.path(1).path("metrics");
        assertThat(eleven.path("requests").asLong()).isEqualTo(6);
        assertThat(eleven.path("succeeded").asLong()).isEqualTo(4);
        assertThat(eleven.path("failed").asLong()).isEqualTo(1);
        assertThat(eleven.path("rejected").asLong()).isEqualTo(1);
        assertThat(eleven.path("latencyMillis").path("count").asLong()).isEqualTo(5);
        assertThat(eleven.path("latencyMillis").path("avg").asLong()).isEqualTo(100);
        assertThat(eleven.path("ttfbMillis").path("count").asLong()).isEqualTo(4);

        JsonNode byKey = views.get(base + "/breakdown?by=key&from=2026-03-01&to=2026-03-02").json();
        assertThat(byKey).extracting(n -> n.path("value").asText() + "=" + n.path("metrics").path("requests").asLong())
                .containsExactly("key-a=10", "key-b=4", "=1", "key-1=1");   // the rejected request has no key
        JsonNode byModel = views.get(base + "/breakdown?by=model&from=2026-03-01&to=2026-03-02").json();
        assertThat(byModel.path(0).path("value").asText()).isEqualTo("mock/m1");
        assertThat(byModel.path(0).path("metrics").path("credits").decimalValue()).isEqualByComparingTo("0.001");
        assertThat(views.get(base + "/breakdown?by=client").status()).isEqualTo(400);

        JsonNode summary = views.get(base + "/summary?from=2026-03-01&to=2026-03-02").json();
        assertThat(summary.path("current").path("requests").asLong()).isEqualTo(16);
        assertThat(summary.path("previous").path("requests").asLong()).isEqualTo(2);
        assertThat(summary.path("change").path("requests").decimalValue()).isEqualByComparingTo("700");
        assertThat(summary.path("change").path("credits").decimalValue()).isEqualByComparingTo("940"); // 0.00104 against 0.0001
        assertThat(summary.path("topModels").path(0).path("value").asText()).isEqualTo("mock/m1");
    }

    @Test
    void daysAndMonthsAreFormedInTheViewersTimeZone() {
        var account = new AccountEvents(AccountEvents.newAccountId()).at(Instant.parse("2026-03-01T23:30:00Z"));
        List<TollgateEvent> events = new ArrayList<>(List.of(account.opened("Zones Ltd"), account.granted(5_000_000)));
        events.addAll(account.succeededRequest(AccountEvents.newRequestId(), 5_000, 100, 1, 1, 1));
        account.at(Instant.parse("2026-03-02T00:30:00Z"));
        events.addAll(account.succeededRequest(AccountEvents.newRequestId(), 5_000, 100, 1, 1, 1));
        account.at(Instant.parse("2026-03-31T23:30:00Z"));
        events.addAll(account.succeededRequest(AccountEvents.newRequestId(), 5_000, 100, 1, 1, 1));
        ledger().publish(events);

        ViewsHttp views = views();
        String base = "/api/views/accounts/" + account.accountId() + "/usage/series";
        eventually().untilAsserted(() -> assertThat(views.usage(account.accountId()).succeeded()).isEqualTo(3));

        // UTC: 23:30 and 00:30 are two days.
        assertThat(days(views.get(base + "?granularity=day&from=2026-03-01&to=2026-03-03").json()))
                .containsExactly("2026-03-01T00:00Z=1", "2026-03-02T00:00Z=1");
        // New York (UTC−5): both are the evening of 1 March.
        assertThat(days(views.get(base + "?granularity=day&tz=America/New_York&from=2026-03-01&to=2026-03-03").json()))
                .containsExactly("2026-03-01T00:00-05:00=2");
        // Tokyo (UTC+9): both are the morning of 2 March.
        assertThat(days(views.get(base + "?granularity=day&tz=Asia/Tokyo&from=2026-03-01&to=2026-03-04").json()))
                .containsExactly("2026-03-02T00:00+09:00=2");
        // Months: 31 March 23:30 UTC is still March in UTC, already April in Tokyo.
        assertThat(days(views.get(base + "?granularity=month&from=2026-03-01&to=2026-05-01").json()))
                .containsExactly("2026-03-01T00:00Z=3");
        assertThat(days(views.get(base + "?granularity=month&tz=Asia/Tokyo&from=2026-03-01&to=2026-05-01").json()))
                .containsExactly("2026-03-01T00:00+09:00=2", "2026-04-01T00:00+09:00=1");
    }

    private static List<String> days(JsonNode series) {
        List<String> days = new ArrayList<>();
        for (JsonNode bucket : series.path("buckets")) {
            days.add(OffsetDateTime.parse(bucket.path("start").asText()) + "=" + bucket.path("metrics").path("requests").asLong());
        }
        return days;
    }
}
