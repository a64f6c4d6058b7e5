package io.tollgate.views.projection;

import io.tollgate.views.QuerySideTestBase;
import io.tollgate.views.testing.AccountEvents;
import io.tollgate.views.testing.ViewsHttp;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Consumer lag and settle-to-visible latency, scraped as Prometheus would. */
class FreshnessMetricsTest extends QuerySideTestBase {

    @Test
    void lagAndSettleToVisibleLatencyAreExported() {
        var account = new AccountEvents(AccountEvents.newAccountId());
        ledger().publish(account.opened("Fresh Ltd"), account.granted(1_000_000));
        ledger().publish(account.succeededRequest(AccountEvents.newRequestId(), 9_000, 100, 1, 1, 5));
        eventually().untilAsserted(() -> assertThat(views().usage(account.accountId()).succeeded()).isEqualTo(1));

        var scrape = ViewsHttp.withHeaders(managementPort(), Map.of()).get("/actuator/prometheus", "text/plain");
        assertThat(scrape.status()).isEqualTo(200);
        assertThat(scrape.body()).contains("tollgate_views_consumer_lag ")
                .containsPattern("tollgate_views_settle_visible_seconds_count(\\{[^}]*\\})? [1-9]");
    }
}
