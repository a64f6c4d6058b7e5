package io.tollgate.views.aigne;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.events.TollgateEvent;
import io.tollgate.views.QuerySideTestBase;
import io.tollgate.views.testing.AccountEvents;
import io.tollgate.views.testing.ViewsHttp;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The views behind AIGNE Hub's user routes, in AIGNE Hub's field names: balance and transactions in unit
 * amounts with the currency's decimal, quota in credits, trends in buckets of unix seconds.
 */
class AigneHubViewsTest extends QuerySideTestBase {

    @Test
    void balanceTransactionsAndQuotaInAigneHubsFieldNames() {
        Instant twoHoursAgo = Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.HOURS);
        var account = new AccountEvents(AccountEvents.newAccountId()).at(twoHoursAgo);
        String lease = "lease-" + AccountEvents.newRequestId();
        String first = AccountEvents.newRequestId(), second = AccountEvents.newRequestId();
        List<TollgateEvent> events = new ArrayList<>(List.of(account.opened("Hub user"), account.granted(3_000_000),
                account.granted(2_000_000), account.leaseGranted(lease, 1_000_000)));
        events.addAll(account.succeededForApp("app-1", lease, first, 10, 5, 1_500, 300_000));
        events.addAll(account.succeededForApp(null, lease, second, 20, 5, 500, 200_000));
        ledger().publish(events);
        ViewsHttp user = ViewsHttp.asUser(port(), account.accountId());
        String base = "/api/views/accounts/" + account.accountId() + "/aigne";
        eventually().untilAsserted(() -> assertThat(views().usage(account.accountId()).succeeded()).isEqualTo(2));

        JsonNode balance = user.get(base + "/credit/balance").json();
        assertThat(balance.fieldNames()).toIterable()
                .containsExactly("balance", "currency", "total", "grantCount", "pendingCredit");
        assertThat(balance.path("balance").asText()).isEqualTo("4500000");
        assertThat(balance.path("total").asText()).isEqualTo("5000000");
        assertThat(balance.path("grantCount").asInt()).isEqualTo(2);
        assertThat(balance.path("pendingCredit").asText()).isEqualTo("0");
        assertThat(balance.path("currency").path("decimal").asInt()).isEqualTo(6);

        JsonNode page = user.get(base + "/credit/transactions?page=1&pageSize=1").json();
        assertThat(page.fieldNames()).toIterable().containsExactly("count", "list", "paging");
        assertThat(page.path("count").asInt()).isEqualTo(2);
        assertThat(page.path("list")).hasSize(1);
        JsonNode newest = page.path("list").path(0);
        assertThat(newest.path("credit_amount").asText()).isEqualTo("200000");
        assertThat(newest.path("remaining_balance").asText()).isEqualTo("4500000");
        assertThat(newest.path("customer_id").asText()).isEqualTo(account.accountId());
        assertThat(newest.path("metadata").path("requestId").asText()).isEqualTo(second);
        assertThat(page.path("paging").path("pageSize").asInt()).isEqualTo(1);
        JsonNode secondPage = user.get(base + "/credit/transactions?page=2&pageSize=1").json();
        assertThat(secondPage.path("list").path(0).path("metadata").path("requestId").asText()).isEqualTo(first);
        long future = Instant.now().plus(1, ChronoUnit.DAYS).getEpochSecond();
        assertThat(user.get(base + "/credit/transactions?start=" + future).json().path("count").asInt()).isZero();
        assertThat(user.get(base + "/credit/transactions?pageSize=101").status()).isEqualTo(400);

        JsonNode quota = user.get(base + "/usage/quota").json();
        assertThat(quota.fieldNames()).toIterable().containsExactly("total", "remaining", "used", "pendingCredit",
                "estimatedDaysRemaining", "dailyAvgCredits", "currency");
        assertThat(quota.path("total").decimalValue()).isEqualByComparingTo("5");
        assertThat(quota.path("remaining").decimalValue()).isEqualByComparingTo("4.5");
        assertThat(quota.path("used").decimalValue()).isEqualByComparingTo("0.5");
        // 0.5 credits over the default 30 days: 1/60 a day, so 4.5 credits last 270 days.
        assertThat(quota.path("dailyAvgCredits").decimalValue()).isEqualByComparingTo("0.016667");
        assertThat(quota.path("estimatedDaysRemaining").asLong()).isEqualTo(270);
        assertThat(user.get(base + "/usage/quota?startTime=soon").status()).isEqualTo(400);
    }

    @Test
    void trendsArePlatformWideBucketsForAdminsOnly() {
        // Trends count every account: a day no other test (nor an earlier run on the same database) used.
        Instant dayStart = Instant.parse("2040-01-01T00:00:00Z")
                .plus(java.util.concurrent.ThreadLocalRandom.current().nextInt(20_000), ChronoUnit.DAYS);
        var account = new AccountEvents(AccountEvents.newAccountId()).at(dayStart.plus(3, ChronoUnit.HOURS));
        String lease = "lease-" + AccountEvents.newRequestId();
        List<TollgateEvent> events = new ArrayList<>(List.of(account.opened("Trends"), account.granted(5_000_000),
                account.leaseGranted(lease, 1_000_000)));
        events.addAll(account.succeededForApp(null, lease, AccountEvents.newRequestId(), 10, 5, 1_000, 300_000));
        events.addAll(account.succeededForApp(null, lease, AccountEvents.newRequestId(), 20, 5, 2_000, 200_000));
        events.add(account.rejected(AccountEvents.newRequestId(), "insufficient_credit"));
        ledger().publish(events);
        eventually().untilAsserted(() -> assertThat(views().usage(account.accountId()).requests()).isEqualTo(3));
        long start = dayStart.getEpochSecond(), end = dayStart.plus(2, ChronoUnit.DAYS).getEpochSecond() - 1;

        var admin = views().get("/api/views/admin/aigne/usage/trends?startTime=" + start + "&endTime=" + end);
        var user = ViewsHttp.asUser(port(), account.accountId())
                .get("/api/views/admin/aigne/usage/trends?startTime=" + start + "&endTime=" + end);

        assertThat(user.status()).isEqualTo(403);
        assertThat(admin.status()).as(admin.body()).isEqualTo(200);
        JsonNode trends = admin.json().path("trends");
        // Two days of day buckets, every one present.
        assertThat(trends).extracting(t -> t.path("timestamp").asLong()).containsExactly(start, start + 86_400);
        JsonNode day = trends.path(0);
        assertThat(day.fieldNames()).toIterable().containsExactly("timestamp", "calls", "successCalls", "successRate",
                "avgDuration", "totalCredits", "totalUsage");
        assertThat(day.path("calls").asLong()).isEqualTo(3);
        assertThat(day.path("successCalls").asLong()).isEqualTo(2);
        assertThat(day.path("successRate").asDouble()).isBetween(66.6, 66.7);
        assertThat(day.path("avgDuration").decimalValue()).isEqualByComparingTo("1.5");
        assertThat(day.path("totalCredits").decimalValue()).isEqualByComparingTo("0.5");
        assertThat(day.path("totalUsage").asLong()).isEqualTo(40);
        assertThat(trends.path(1).path("calls").asLong()).isZero();
        // A range of a day or less is in hours.
        var hours = views().get("/api/views/admin/aigne/usage/trends?startTime=" + start + "&endTime="
                + (start + 86_399)).json().path("trends");
        assertThat(hours).hasSize(24);
        assertThat(hours.path(3).path("calls").asLong()).isEqualTo(3);
    }
}
