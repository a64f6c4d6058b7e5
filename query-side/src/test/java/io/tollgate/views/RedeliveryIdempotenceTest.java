package io.tollgate.views;

import io.tollgate.events.TollgateEvent;
import io.tollgate.views.testing.AccountEvents;
import io.tollgate.views.testing.LedgerPublisher.Encoded;
import io.tollgate.views.testing.ViewsHttp;
import io.tollgate.views.testing.ViewsHttp.Balance;
import io.tollgate.views.testing.ViewsHttp.RequestRow;
import io.tollgate.views.testing.ViewsHttp.Usage;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The publisher is at-least-once: after a crash it sends the same events again, byte for byte and with
 * the same event ids. The views must look exactly as after a single delivery.
 */
class RedeliveryIdempotenceTest extends QuerySideTestBase {

    @Test
    void eventsDeliveredTwiceCountOnce() {
        String twice = AccountEvents.newAccountId();
        String once = AccountEvents.newAccountId();
        List<TollgateEvent> history = history(new AccountEvents(twice));
        List<Encoded> encoded = ledger().encode(history);

        // Every event twice: right behind itself (one poll, one transaction), and the whole history again
        // after it had been applied (a later batch) -- as a publisher restarted from an old position would.
        List<Encoded> backToBack = new ArrayList<>();
        for (Encoded e : encoded) {
            backToBack.add(e);
            backToBack.add(e);
        }
        ledger().send(backToBack);
        ledger().send(encoded);
        // Same account, so same partition and behind every duplicate: once visible, all of them were consumed.
        var sentinel = new AccountEvents(twice).opened("after redelivery");
        ledger().publish(sentinel);

        // The control: the same history, delivered once.
        var control = new AccountEvents(once);
        ledger().publish(history(control));
        ledger().publish(control.opened("after redelivery"));

        ViewsHttp views = views();
        eventually().untilAsserted(() -> {
            assertThat(views.balance(twice).displayName()).isEqualTo("after redelivery");
            assertThat(views.balance(once).displayName()).isEqualTo("after redelivery");
        });

        Balance balance = views.balance(twice);
        assertThat(balance).usingRecursiveComparison().ignoringFields("accountId").isEqualTo(views.balance(once));
        assertThat(balance.granted()).isEqualByComparingTo("5");
        assertThat(balance.debited()).isEqualByComparingTo("0.000525");
        assertThat(balance.reserved()).isEqualByComparingTo("0");
        assertThat(balance.balance()).isEqualByComparingTo("4.999475");
        assertThat(balance.available()).isEqualByComparingTo("4.999475");

        Usage usage = views.usage(twice);
        assertThat(usage).usingRecursiveComparison().ignoringFields("accountId").isEqualTo(views.usage(once));
        assertThat(usage.requests()).isEqualTo(3);
        assertThat(usage.succeeded()).isEqualTo(2);
        assertThat(usage.failed()).isEqualTo(1);
        assertThat(usage.rejected()).isZero();
        assertThat(usage.inputTokens()).isEqualTo(42 + 100);
        assertThat(usage.outputTokens()).isEqualTo(12 + 30);
        assertThat(usage.credits()).isEqualByComparingTo("0.000525");

        List<RequestRow> requests = views.requests(twice);
        assertThat(requests).hasSize(3);
        assertThat(requests).extracting(RequestRow::status).containsExactly("failed", "succeeded", "succeeded");
        assertThat(requests).extracting(RequestRow::credits)
                .usingElementComparator(BigDecimal::compareTo)
                .containsExactly(new BigDecimal("0"), new BigDecimal("0.000300"),
                        new BigDecimal("0.000225"));
    }

    /** An account with credit, two answered requests and one the provider failed. */
    private static List<TollgateEvent> history(AccountEvents account) {
        List<TollgateEvent> events = new ArrayList<>();
        events.add(account.opened("Redelivery Inc"));
        events.add(account.granted(5_000_000));
        events.addAll(account.succeededRequest(AccountEvents.newRequestId(), 9_000, 850, 42, 12, 225));
        events.addAll(account.succeededRequest(AccountEvents.newRequestId(), 9_000, 600, 100, 30, 300));
        events.addAll(account.failedRequest(AccountEvents.newRequestId(), 9_000));
        return events;
    }
}
