package io.tollgate.views;

import io.tollgate.events.ReleaseReason;
import io.tollgate.views.testing.AccountEvents;
import io.tollgate.views.testing.ViewsHttp;
import io.tollgate.views.testing.ViewsHttp.RequestRow;
import org.junit.jupiter.api.Test;

import java.time.temporal.ChronoUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Requests that cost nothing: the provider failed, or the gateway refused them up front. */
class FailedAndRejectedRequestsTest extends QuerySideTestBase {

    @Test
    void aProviderFailureCountsAsFailedChargesNothingAndGivesTheReservationBack() {
        var account = new AccountEvents(AccountEvents.newAccountId());
        String request = AccountEvents.newRequestId();
        ledger().publish(
                account.opened("Failing Co"),
                account.granted(5_000_000),
                account.accepted(request, true),
                account.reserved(request, 9_000));

        ViewsHttp views = views();
        eventually().untilAsserted(() ->
                assertThat(views.balance(account.accountId()).available()).isEqualByComparingTo("4.991"));

        var failedCall = account.providerCalled(request, 1, 503, 300, null, "upstream_5xx");
        var released = account.released(request, 9_000, ReleaseReason.PROVIDER_FAILED);
        ledger().publish(failedCall, released);

        eventually().untilAsserted(() -> {
            var balance = views.balance(account.accountId());
            assertThat(balance.reserved()).isEqualByComparingTo("0");
            assertThat(balance.debited()).isEqualByComparingTo("0");
            assertThat(balance.balance()).isEqualByComparingTo("5");
            assertThat(balance.available()).isEqualByComparingTo("5");
        });
        var usage = views.usage(account.accountId());
        assertThat(usage.requests()).isEqualTo(1);
        assertThat(usage.failed()).isEqualTo(1);
        assertThat(usage.succeeded()).isZero();
        assertThat(usage.rejected()).isZero();
        assertThat(usage.inputTokens()).isZero();
        assertThat(usage.outputTokens()).isZero();
        assertThat(usage.credits()).isEqualByComparingTo("0");
        assertThat(views.requests(account.accountId())).singleElement().satisfies(row -> {
            assertThat(row.requestId()).isEqualTo(request);
            assertThat(row.status()).isEqualTo("failed");
            assertThat(row.credits()).isEqualByComparingTo("0");
            assertThat(row.error()).isEqualTo("upstream_5xx");
            assertThat(row.latencyMillis()).isEqualTo(300L);
            assertThat(row.ttfbMillis()).isNull();
            assertThat(row.inputTokens()).isNull();
            assertThat(row.finishedAt()).isEqualTo(released.occurredAt().truncatedTo(ChronoUnit.MICROS));
        });
    }

    @Test
    void aRejectedRequestCountsAsRejectedAndIsListedAsRejected() {
        var account = new AccountEvents(AccountEvents.newAccountId());
        String answered = AccountEvents.newRequestId();
        String refused = AccountEvents.newRequestId();
        ledger().publish(account.opened("Broke Ltd"), account.granted(300));
        ledger().publish(account.succeededRequest(answered, 250, 500, 42, 12, 225));
        var rejected = account.rejected(refused, "insufficient_credit");
        ledger().publish(rejected);

        ViewsHttp views = views();
        eventually().untilAsserted(() -> assertThat(views.usage(account.accountId()).rejected()).isEqualTo(1));

        var usage = views.usage(account.accountId());
        assertThat(usage.requests()).isEqualTo(2);
        assertThat(usage.succeeded()).isEqualTo(1);
        assertThat(usage.failed()).isZero();
        assertThat(usage.credits()).isEqualByComparingTo("0.000225");

        var balance = views.balance(account.accountId());
        assertThat(balance.debited()).isEqualByComparingTo("0.000225");
        assertThat(balance.reserved()).isEqualByComparingTo("0");
        assertThat(balance.available()).isEqualByComparingTo("0.000075");

        var requests = views.requests(account.accountId());
        assertThat(requests).extracting(RequestRow::requestId).containsExactly(refused, answered);
        assertThat(requests.getFirst()).satisfies(row -> {
            assertThat(row.status()).isEqualTo("rejected");
            assertThat(row.error()).isEqualTo("insufficient_credit");
            assertThat(row.model()).isEqualTo(AccountEvents.MODEL);
            assertThat(row.provider()).isNull();
            assertThat(row.credits()).isNull();
            assertThat(row.acceptedAt()).isEqualTo(rejected.occurredAt());
            assertThat(row.finishedAt()).isEqualTo(rejected.occurredAt());
        });
        assertThat(requests.get(1).status()).isEqualTo("succeeded");
    }
}
