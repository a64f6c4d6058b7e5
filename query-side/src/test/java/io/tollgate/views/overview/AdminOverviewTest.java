package io.tollgate.views.overview;

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
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin overview: totals across accounts, top accounts, revenue by model and by provider. */
class AdminOverviewTest extends QuerySideTestBase {

    @Test
    void theOverviewRanksAccountsAndModelsByRevenueWithinThePeriod() {
        // An hour of its own in the past, so that no other test's (or earlier run's) usage falls into it.
        Instant hour = Instant.parse("2000-01-01T00:00:00Z")
                .minus(ThreadLocalRandom.current().nextInt(1, 200_000), ChronoUnit.HOURS);
        var small = new AccountEvents(AccountEvents.newAccountId()).at(hour.plusSeconds(60));
        var big = new AccountEvents(AccountEvents.newAccountId()).at(hour.plusSeconds(60));
        List<TollgateEvent> events = new ArrayList<>(List.of(small.opened("Small Ltd"), small.granted(50_000_000),
                big.opened("Big Ltd"), big.granted(50_000_000)));
        for (int i = 0; i < 3; i++) {
            events.addAll(small.succeededRequest(AccountEvents.newRequestId(), "key-s", "m1", 100, 10, 10, 10, 1_000_000));
        }
        events.addAll(big.succeededRequest(AccountEvents.newRequestId(), "key-b", "m2", 100, 10, 10, 10, 5_000_000));
        ledger().publish(events);

        ViewsHttp admin = views();
        eventually().untilAsserted(() -> {
            assertThat(admin.usage(small.accountId()).succeeded()).isEqualTo(3);
            assertThat(admin.usage(big.accountId()).succeeded()).isEqualTo(1);
        });

        JsonNode overview = admin.get("/api/views/admin/overview?from=" + hour + "&to=" + hour.plus(1, ChronoUnit.HOURS)).json();
        assertThat(overview.path("period").path("requests").asLong()).isEqualTo(4);
        assertThat(overview.path("period").path("credits").decimalValue()).isEqualByComparingTo("8");
        assertThat(overview.path("totals").path("accounts").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(overview.path("totals").path("granted").decimalValue()).isGreaterThanOrEqualTo(new java.math.BigDecimal("100"));
        assertThat(overview.path("topAccounts")).extracting(a -> a.path("displayName").asText() + " "
                        + a.path("credits").decimalValue().stripTrailingZeros().toPlainString())
                .containsExactly("Big Ltd 5", "Small Ltd 3");
        assertThat(overview.path("revenueByModel")).extracting(r -> r.path("provider").asText() + "/" + r.path("model").asText()
                        + " " + r.path("requests").asLong())
                .containsExactly("mock/m2 1", "mock/m1 3");
        assertThat(overview.path("revenueByProvider")).singleElement().satisfies(p -> {
            assertThat(p.path("provider").asText()).isEqualTo("mock");
            assertThat(p.path("credits").decimalValue()).isEqualByComparingTo("8");
        });

        var accounts = admin.get("/api/views/admin/accounts?limit=1");
        assertThat(accounts.json()).hasSize(1);
        assertThat(accounts.header("X-Next-Cursor")).isNotNull();
    }
}
