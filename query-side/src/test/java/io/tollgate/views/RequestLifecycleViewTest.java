package io.tollgate.views;

import io.tollgate.events.ReleaseReason;
import io.tollgate.views.testing.AccountEvents;
import io.tollgate.views.testing.ViewsHttp;
import io.tollgate.views.testing.ViewsHttp.RequestRow;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.temporal.ChronoUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** What one account's views show while a request runs and after it settled. */
class RequestLifecycleViewTest extends QuerySideTestBase {

    @Test
    void aSettledRequestShowsInBalanceUsageAndTheRequestList() {
        var account = new AccountEvents(AccountEvents.newAccountId());
        String request = AccountEvents.newRequestId();
        var opened = account.opened("Lifecycle Ltd");
        var granted = account.granted(5_000_000);
        var accepted = account.accepted(request, true);
        var reserved = account.reserved(request, 9_000);
        var called = account.providerCalled(request, 1, 200, 850, 120L, null);
        var tokens = account.tokens(request, 42, 12);
        var debited = account.debited(request, 225);
        var released = account.released(request, 9_000, ReleaseReason.SETTLED);

        ledger().publish(opened, granted, accepted, reserved, called, tokens, debited, released);

        ViewsHttp views = views();
        eventually().untilAsserted(() -> {
            var balance = views.balance(account.accountId());
            assertThat(balance.accountId()).isEqualTo(account.accountId());
            assertThat(balance.displayName()).isEqualTo("Lifecycle Ltd");
            assertThat(balance.granted()).isEqualByComparingTo("5");
            assertThat(balance.debited()).isEqualByComparingTo("0.000225");
            assertThat(balance.reserved()).isEqualByComparingTo("0");
            assertThat(balance.balance()).isEqualByComparingTo("4.999775");
            assertThat(balance.available()).isEqualByComparingTo("4.999775");
        });

        var usage = views.usage(account.accountId());
        assertThat(usage.accountId()).isEqualTo(account.accountId());
        assertThat(usage.requests()).isEqualTo(1);
        assertThat(usage.succeeded()).isEqualTo(1);
        assertThat(usage.failed()).isZero();
        assertThat(usage.rejected()).isZero();
        assertThat(usage.inputTokens()).isEqualTo(42);
        assertThat(usage.outputTokens()).isEqualTo(12);
        assertThat(usage.credits()).isEqualByComparingTo("0.000225");

        assertThat(views.requests(account.accountId())).singleElement().satisfies(row -> {
            assertThat(row.requestId()).isEqualTo(request);
            assertThat(row.status()).isEqualTo("succeeded");
            assertThat(row.provider()).isEqualTo(AccountEvents.PROVIDER);
            assertThat(row.model()).isEqualTo(AccountEvents.MODEL);
            assertThat(row.stream()).isTrue();
            assertThat(row.inputTokens()).isEqualTo(42L);
            assertThat(row.outputTokens()).isEqualTo(12L);
            assertThat(row.estimated()).isFalse();
            assertThat(row.credits()).isEqualByComparingTo("0.000225");
            assertThat(row.latencyMillis()).isEqualTo(850L);
            assertThat(row.ttfbMillis()).isEqualTo(120L);
            assertThat(row.error()).isNull();
            assertThat(row.acceptedAt()).isEqualTo(accepted.occurredAt().truncatedTo(ChronoUnit.MICROS));
            assertThat(row.finishedAt()).isEqualTo(debited.occurredAt().truncatedTo(ChronoUnit.MICROS));
        });
    }

    @Test
    void whileARequestHoldsAReservationAvailableIsBalanceMinusReserved() {
        var account = new AccountEvents(AccountEvents.newAccountId());
        String request = AccountEvents.newRequestId();
        ledger().publish(
                account.opened("Mid-flight GmbH"),
                account.granted(5_000_000),
                account.accepted(request, false),
                account.reserved(request, 9_000));

        ViewsHttp views = views();
        eventually().untilAsserted(() -> {
            var balance = views.balance(account.accountId());
            assertThat(balance.granted()).isEqualByComparingTo("5");
            assertThat(balance.debited()).isEqualByComparingTo("0");
            assertThat(balance.reserved()).isEqualByComparingTo("0.009");
            assertThat(balance.balance()).isEqualByComparingTo("5");
            assertThat(balance.available()).isEqualByComparingTo("4.991");
            assertThat(balance.available()).isEqualByComparingTo(balance.balance().subtract(balance.reserved()));
        });
        var usage = views.usage(account.accountId());
        assertThat(usage.requests()).isEqualTo(1);
        assertThat(usage.succeeded() + usage.failed() + usage.rejected()).isZero();
        assertThat(views.requests(account.accountId())).singleElement().satisfies(row -> {
            assertThat(row.status()).isEqualTo("accepted");
            assertThat(row.credits()).isNull();
            assertThat(row.inputTokens()).isNull();
            assertThat(row.finishedAt()).isNull();
        });

        // Settling frees the whole reservation and charges only the cost.
        ledger().publish(
                account.providerCalled(request, 1, 200, 400, 90L, null),
                account.tokens(request, 42, 12),
                account.debited(request, 225),
                account.released(request, 9_000, ReleaseReason.SETTLED));

        eventually().untilAsserted(() -> {
            var balance = views.balance(account.accountId());
            assertThat(balance.reserved()).isEqualByComparingTo("0");
            assertThat(balance.balance()).isEqualByComparingTo("4.999775");
            assertThat(balance.available()).isEqualByComparingTo("4.999775");
        });
        assertThat(views.requests(account.accountId()))
                .extracting(RequestRow::status).containsExactly("succeeded");
        assertThat(views.usage(account.accountId()).credits()).isEqualByComparingTo(new BigDecimal("0.000225"));
    }
}
