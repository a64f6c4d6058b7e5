package io.tollgate.views.billing;

import io.tollgate.events.LeaseSettled;
import io.tollgate.events.TollgateEvent;
import io.tollgate.views.QuerySideTestBase;
import io.tollgate.views.testing.AccountEvents;
import io.tollgate.views.testing.ViewsHttp;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Credit leases (issue 12): a request's debit is visible as soon as its events are on the topic; an open
 * lease holds its amount minus what its requests were already debited; LeaseSettled frees the rest and is
 * not a second debit; a failed request on a lease (no CreditsReserved before its release) is failed and
 * leaves no negative hold.
 */
class CreditLeaseViewsTest extends QuerySideTestBase {
    @Autowired
    JdbcClient jdbc;

    @Test
    void openLeasesAreReservedDebitsAreVisibleAtOnceAndSettlingIsNotASecondDebit() {
        var account = new AccountEvents(AccountEvents.newAccountId());
        String lease = "lease-" + UUID.randomUUID();
        String answered = AccountEvents.newRequestId();
        String failed = AccountEvents.newRequestId();
        ledger().publish(account.opened("Leasing Ltd"), account.granted(10_000_000), account.leaseGranted(lease, 3_000_000));

        ViewsHttp views = views();
        eventually().untilAsserted(() -> {
            var balance = views.balance(account.accountId());
            assertThat(balance.reserved()).isEqualByComparingTo("3");
            assertThat(balance.openReservations()).isEqualTo(1);
            assertThat(balance.available()).isEqualByComparingTo("7");
        });

        List<TollgateEvent> requests = new ArrayList<>(account.succeededOnLease(lease, answered, 90_000, 40_000));
        requests.addAll(account.failedOnLease(lease, failed, 90_000));
        ledger().publish(requests);
        eventually().untilAsserted(() -> {
            var balance = views.balance(account.accountId());
            assertThat(balance.debited()).isEqualByComparingTo("0.04");
            assertThat(balance.balance()).isEqualByComparingTo("9.96");
            assertThat(balance.reserved()).isEqualByComparingTo("2.96");
            assertThat(balance.available()).isEqualByComparingTo("7");
            assertThat(balance.openReservations()).isEqualTo(1);
        });
        assertThat(views.requests(account.accountId())).extracting(ViewsHttp.RequestRow::requestId, ViewsHttp.RequestRow::status)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(answered, "succeeded"),
                        org.assertj.core.groups.Tuple.tuple(failed, "failed"));
        var usage = views.usage(account.accountId());
        assertThat(usage.requests()).isEqualTo(2);
        assertThat(usage.succeeded()).isEqualTo(1);
        assertThat(usage.failed()).isEqualTo(1);
        Map<String, Object> row = jdbc.sql("select lease_id, reserved_micros from views.requests where request_id = ?")
                .param(answered).query().singleRow();
        assertThat(row).containsEntry("lease_id", lease).containsEntry("reserved_micros", 90_000L);
        assertThat(jdbc.sql("select lease_id from views.ledger_lines where request_id = ?").param(answered)
                .query(String.class).single()).isEqualTo(lease);

        ledger().publish(account.leaseExtended(lease),
                account.leaseSettled(lease, 3_000_000, 40_000, 1, LeaseSettled.LeaseEnd.RETURNED));
        eventually().untilAsserted(() -> {
            var balance = views.balance(account.accountId());
            assertThat(balance.reserved()).isEqualByComparingTo("0");
            assertThat(balance.openReservations()).isZero();
            assertThat(balance.debited()).isEqualByComparingTo("0.04");
            assertThat(balance.available()).isEqualByComparingTo("9.96");
        });
        assertThat(views.ledgerLineCount(account.accountId())).isEqualTo(2);
        Map<String, Object> leaseRow = jdbc.sql("""
                select status, amount_micros, debited_micros, requests, settled_debited_micros, settled_requests,
                       instance_id, expires_at > granted_at + interval '6 minutes' as extended
                from views.leases where lease_id = ?""").param(lease).query().singleRow();
        assertThat(leaseRow).containsEntry("status", "returned").containsEntry("amount_micros", 3_000_000L)
                .containsEntry("debited_micros", 40_000L).containsEntry("requests", 1L)
                .containsEntry("settled_debited_micros", 40_000L).containsEntry("settled_requests", 1L)
                .containsEntry("instance_id", "gw-test").containsEntry("extended", true);
    }

    @Test
    void requestEventsThatArriveBeforeTheirLeaseHoldNothingUntilItIsGrantedAndALeaseNeverHoldsBelowZero() {
        var account = new AccountEvents(AccountEvents.newAccountId());
        String lease = "lease-" + UUID.randomUUID();
        // The gateway's request events may overtake the publisher's LeaseGranted.
        List<TollgateEvent> early = new ArrayList<>(List.of(account.opened("Early Bird"), account.granted(1_000_000)));
        early.addAll(account.succeededOnLease(lease, AccountEvents.newRequestId(), 90_000, 60_000));
        ledger().publish(early);
        ViewsHttp views = views();
        eventually().untilAsserted(() -> {
            var balance = views.balance(account.accountId());
            assertThat(balance.debited()).isEqualByComparingTo("0.06");
            assertThat(balance.reserved()).isEqualByComparingTo("0");
        });

        ledger().publish(account.leaseGranted(lease, 50_000));
        eventually().untilAsserted(() -> {
            var balance = views.balance(account.accountId());
            // 50,000 leased, 60,000 already debited on it: the hold is floored at 0.
            assertThat(balance.openReservations()).isEqualTo(1);
            assertThat(balance.reserved()).isEqualByComparingTo("0");
            assertThat(balance.available()).isEqualByComparingTo("0.94");
        });
        ledger().publish(account.leaseSettled(lease, 50_000, 60_000, 1, LeaseSettled.LeaseEnd.EXPIRED));
        eventually().untilAsserted(() -> assertThat(jdbc.sql("select status from views.leases where lease_id = ?")
                .param(lease).query(String.class).single()).isEqualTo("expired"));
        var balance = views.balance(account.accountId());
        assertThat(balance.openReservations()).isZero();
        assertThat(balance.debited()).isEqualByComparingTo("0.06");
    }
}
