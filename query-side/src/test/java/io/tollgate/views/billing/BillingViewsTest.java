package io.tollgate.views.billing;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.events.TollgateEvent;
import io.tollgate.views.QuerySideTestBase;
import io.tollgate.views.testing.AccountEvents;
import io.tollgate.views.testing.LedgerPublisher.Encoded;
import io.tollgate.views.testing.ViewsHttp;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Billing: ledger lines with running balance, monthly statements, pending reservations, burn rate. */
class BillingViewsTest extends QuerySideTestBase {

    @Test
    void ledgerLinesCarryTheRunningBalanceAndStatementsCloseEachMonth() {
        var account = new AccountEvents(AccountEvents.newAccountId()).at(Instant.parse("2026-05-10T09:00:00Z"));
        String first = AccountEvents.newRequestId();
        String second = AccountEvents.newRequestId();
        String third = AccountEvents.newRequestId();
        String pending = AccountEvents.newRequestId();
        List<TollgateEvent> events = new ArrayList<>(List.of(account.opened("Billing Ltd"),
                account.granted("g1", 10_000_000), account.granted("g2", 2_000_000)));
        account.at(Instant.parse("2026-05-11T09:00:00Z"));
        events.addAll(account.succeededRequest(first, "key-a", "m1", 100, 10, 1, 1, 1_000_000));
        events.addAll(account.succeededRequest(second, "key-a", "m2", 100, 10, 1, 1, 500_000));
        account.at(Instant.parse("2026-05-20T09:00:00Z"));
        events.add(account.refunded(second, 500_000));
        account.at(Instant.parse("2026-05-31T23:00:00Z"));       // already June in Tokyo
        events.add(account.expired("g2", 2_000_000));
        account.at(Instant.parse("2026-06-02T09:00:00Z"));
        events.add(account.adjusted(-250_000, "correction"));
        account.at(Instant.parse("2026-06-03T09:00:00Z"));
        events.addAll(account.succeededRequest(third, "key-a", "m1", 100, 10, 1, 1, 250_000));
        events.add(account.accepted(pending, false));
        events.add(account.reserved(pending, 9_000));
        events.add(account.opened("Billing Ltd, done"));

        // Everything twice, byte for byte: a redelivery must change nothing.
        List<Encoded> encoded = ledger().encode(events);
        ledger().send(encoded);
        ledger().send(encoded);

        ViewsHttp views = views();
        String base = "/api/views/accounts/" + account.accountId();
        eventually().untilAsserted(() ->
                assertThat(views.balance(account.accountId()).displayName()).isEqualTo("Billing Ltd, done"));

        var balance = views.balance(account.accountId());
        assertThat(balance.granted()).isEqualByComparingTo("12");
        assertThat(balance.debited()).isEqualByComparingTo("1.75");
        assertThat(balance.refunded()).isEqualByComparingTo("0.5");
        assertThat(balance.expired()).isEqualByComparingTo("2");
        assertThat(balance.adjusted()).isEqualByComparingTo("-0.25");
        assertThat(balance.balance()).isEqualByComparingTo("8.5");
        assertThat(balance.reserved()).isEqualByComparingTo("0.009");
        assertThat(balance.openReservations()).isEqualTo(1);
        assertThat(balance.available()).isEqualByComparingTo("8.491");
        assertThat(balance.estimatedDaysRemaining()).isNull();   // nothing spent in the last 7 days

        JsonNode lines = views.get(base + "/ledger").json();
        assertThat(lines).extracting(l -> l.path("kind").asText() + " " + l.path("amount").decimalValue().stripTrailingZeros().toPlainString()
                        + " → " + l.path("balance").decimalValue().stripTrailingZeros().toPlainString())
                .containsExactly("debit -0.25 → 8.5", "adjustment -0.25 → 8.75", "expiry -2 → 9", "refund 0.5 → 11",
                        "debit -0.5 → 10.5", "debit -1 → 11", "grant 2 → 12", "grant 10 → 10");
        assertThat(lines.path(0).path("model").asText()).isEqualTo("m1");
        assertThat(lines.path(0).path("requestId").asText()).isEqualTo(third);

        var page = views.get(base + "/ledger?limit=3");
        assertThat(page.json()).hasSize(3);
        var next = views.get(base + "/ledger?limit=3&cursor=" + page.header("X-Next-Cursor"));
        assertThat(next.json().path(0).path("lineNo").asLong()).isEqualTo(5);
        var last = views.get(base + "/ledger?limit=3&cursor=" + next.header("X-Next-Cursor"));
        assertThat(last.json()).hasSize(2);
        assertThat(last.header("X-Next-Cursor")).isNull();
        assertThat(views.get(base + "/ledger?kind=debit").json()).hasSize(3);

        JsonNode utc = views.get(base + "/statements").json();
        assertThat(utc).extracting(s -> s.path("month").asText()).containsExactly("2026-06", "2026-05");
        assertThat(utc.path(0).path("opening").decimalValue()).isEqualByComparingTo("9");
        assertThat(utc.path(0).path("debited").decimalValue()).isEqualByComparingTo("0.25");
        assertThat(utc.path(0).path("adjusted").decimalValue()).isEqualByComparingTo("-0.25");
        assertThat(utc.path(0).path("closing").decimalValue()).isEqualByComparingTo("8.5");
        assertThat(utc.path(1).path("opening").decimalValue()).isEqualByComparingTo("0");
        assertThat(utc.path(1).path("granted").decimalValue()).isEqualByComparingTo("12");
        assertThat(utc.path(1).path("debited").decimalValue()).isEqualByComparingTo("1.5");
        assertThat(utc.path(1).path("refunded").decimalValue()).isEqualByComparingTo("0.5");
        assertThat(utc.path(1).path("expired").decimalValue()).isEqualByComparingTo("2");
        assertThat(utc.path(1).path("closing").decimalValue()).isEqualByComparingTo("9");

        JsonNode tokyo = views.get(base + "/statements?tz=Asia/Tokyo").json();
        assertThat(tokyo.path(0).path("opening").decimalValue()).isEqualByComparingTo("11");
        assertThat(tokyo.path(0).path("expired").decimalValue()).isEqualByComparingTo("2");
        assertThat(tokyo.path(1).path("closing").decimalValue()).isEqualByComparingTo("11");

        JsonNode may = views.get(base + "/statements/2026-05").json();
        assertThat(may.path("byModel")).extracting(m -> m.path("model").asText() + " " + m.path("debits").asLong() + " "
                        + m.path("credits").decimalValue().stripTrailingZeros().toPlainString())
                .containsExactly("m1 1 1", "m2 1 0.5");
        JsonNode july = views.get(base + "/statements/2026-07").json();
        assertThat(july.path("totals").path("opening").decimalValue()).isEqualByComparingTo("8.5");
        assertThat(july.path("totals").path("closing").decimalValue()).isEqualByComparingTo("8.5");
        assertThat(july.path("byModel")).isEmpty();
        assertThat(views.get(base + "/statements/July").status()).isEqualTo(400);
    }

    @Test
    void purchasesShowOnTheLedgerAndInTheirMonthsStatementWithThePaymentReference() {
        var account = new AccountEvents(AccountEvents.newAccountId()).at(Instant.parse("2026-08-03T10:00:00Z"));
        List<TollgateEvent> events = List.of(account.opened("Buyer"), account.granted("welcome", 1_000_000),
                account.purchased("purchase_cs_test_a1", 10_000_000, "pi_3QabcDEF"),
                account.adjusted(-4_000_000, "Stripe refund of 400 of 1000 usd on payment pi_3QabcDEF", "refund_ch_1_400"),
                account.at(Instant.parse("2026-09-01T10:00:00Z")).purchased("purchase_cs_test_b2", 5_000_000, "pi_3QxyzGHI"));

        ledger().send(ledger().encode(events));

        ViewsHttp views = views();
        String base = "/api/views/accounts/" + account.accountId();
        eventually().untilAsserted(() -> assertThat(views.get(base + "/ledger").json()).hasSize(4));
        JsonNode lines = views.get(base + "/ledger").json();
        assertThat(lines).extracting(l -> l.path("kind").asText() + " " + l.path("source").asText("-") + " "
                        + l.path("reference").asText("-"))
                .containsExactly("grant PURCHASE pi_3QxyzGHI", "adjustment - -", "grant PURCHASE pi_3QabcDEF",
                        "grant ADMIN -");
        assertThat(lines.path(1).path("note").asText()).contains("pi_3QabcDEF");

        JsonNode months = views.get(base + "/statements").json();
        assertThat(months.path(0).path("purchased").decimalValue()).isEqualByComparingTo("5");
        assertThat(months.path(1).path("purchased").decimalValue()).isEqualByComparingTo("10");
        assertThat(months.path(1).path("granted").decimalValue()).isEqualByComparingTo("11");
        JsonNode august = views.get(base + "/statements/2026-08").json();
        assertThat(august.path("purchases")).singleElement().satisfies(purchase -> {
            assertThat(purchase.path("credits").decimalValue()).isEqualByComparingTo("10");
            assertThat(purchase.path("reference").asText()).isEqualTo("pi_3QabcDEF");
            assertThat(purchase.path("grantId").asText()).isEqualTo("purchase_cs_test_a1");
        });
        assertThat(views.get(base + "/statements/2026-07").json().path("purchases")).isEmpty();
    }

    @Test
    void daysRemainingFollowTheBurnRateOfTheLastSevenDays() {
        var account = new AccountEvents(AccountEvents.newAccountId());    // its clock is now
        List<TollgateEvent> events = new ArrayList<>(List.of(account.opened("Burner Ltd"), account.granted(10_000_000)));
        events.addAll(account.succeededRequest(AccountEvents.newRequestId(), 500_000, 100, 1, 1, 400_000));
        events.addAll(account.succeededRequest(AccountEvents.newRequestId(), 500_000, 100, 1, 1, 300_000));
        ledger().publish(events);
        ViewsHttp views = views();
        eventually().untilAsserted(() -> assertThat(views.balance(account.accountId()).debited()).isEqualByComparingTo("0.7"));

        var balance = views.balance(account.accountId());
        assertThat(balance.burnPerDay()).isEqualByComparingTo("0.1");
        assertThat(balance.available()).isEqualByComparingTo("9.3");
        assertThat(balance.estimatedDaysRemaining()).isEqualByComparingTo("93");
    }
}
