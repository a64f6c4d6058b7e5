package io.tollgate.views;

import io.tollgate.views.testing.AccountEvents;
import io.tollgate.views.testing.ViewsHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The read API's answers for what it does not know and for paging parameters out of range. */
class ReadApiContractTest extends QuerySideTestBase {

    @ParameterizedTest
    @ValueSource(strings = {"balance", "usage", "requests"})
    void anAccountTheViewsHaveNeverSeenIsNotFound(String view) {
        String unknown = AccountEvents.newAccountId();

        var response = views().get("/api/views/accounts/" + unknown + "/" + view);

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.json().path("detail").asText()).contains(unknown);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "501", "1000", "lots"})
    void aLimitOutsideOneToFiveHundredIsABadRequest(String limit) {
        var account = new AccountEvents(AccountEvents.newAccountId());
        ledger().publish(account.opened("Paging Ltd"));
        ViewsHttp views = views();
        eventually().untilAsserted(() -> assertThat(views.requests(account.accountId())).isEmpty());

        var response = views.get("/api/views/accounts/" + account.accountId() + "/requests?limit=" + limit);

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.contentType()).startsWith("application/problem+json");
    }

    @Test
    void theLimitBoundsThemselvesAreAccepted() {
        var account = new AccountEvents(AccountEvents.newAccountId());
        String first = AccountEvents.newRequestId();
        String second = AccountEvents.newRequestId();
        ledger().publish(account.opened("Bounds Ltd"), account.granted(1_000_000));
        ledger().publish(account.succeededRequest(first, 5_000, 100, 1, 1, 2));
        ledger().publish(account.succeededRequest(second, 5_000, 100, 1, 1, 2));
        ViewsHttp views = views();
        eventually().untilAsserted(() -> assertThat(views.requests(account.accountId(), 500)).hasSize(2));

        assertThat(views.requests(account.accountId(), 1)).singleElement()
                .satisfies(row -> assertThat(row.requestId()).isEqualTo(second));
        assertThat(views.requests(account.accountId())).hasSize(2);
    }
}
