package io.tollgate.views;

import io.tollgate.events.TollgateEvent;
import io.tollgate.views.testing.AccountEvents;
import io.tollgate.views.testing.LedgerTopic;
import io.tollgate.views.testing.ViewsHttp;
import io.tollgate.views.testing.ViewsHttp.RequestRow;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several accounts' events interleaved on the topic, across both partitions and on a shared one: each
 * account's views add up its own events only, applied in its own order.
 */
class AccountIsolationTest extends QuerySideTestBase {
    private static final int REQUESTS = 20;

    @Test
    void interleavedAccountsEachSeeOnlyTheirOwnNumbers() {
        // a and b on different partitions, c on a's partition, so both cross- and same-partition mixing happen.
        var a = new AccountEvents(LedgerTopic.accountOnPartition(0));
        var b = new AccountEvents(LedgerTopic.accountOnPartition(1));
        var c = new AccountEvents(LedgerTopic.accountOnPartition(0));

        List<List<TollgateEvent>> streams = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        streams.get(0).addAll(List.of(a.opened("Account A"), a.granted(1_000_000)));
        streams.get(1).addAll(List.of(b.opened("Account B"), b.granted(2_000_000)));
        streams.get(2).addAll(List.of(c.opened("Account C"), c.granted(3_000_000)));
        Set<String> requestsOfA = new HashSet<>();
        Set<String> requestsOfB = new HashSet<>();
        Set<String> requestsOfC = new HashSet<>();
        for (int i = 1; i <= REQUESTS; i++) {
            // A: every request answered, cost i micros, i input tokens, 1 output token
            String ra = AccountEvents.newRequestId();
            requestsOfA.add(ra);
            streams.get(0).addAll(a.succeededRequest(ra, 5_000, 100, i, 1, i));
            // B: every second request fails at the provider, the others cost 100 micros
            String rb = AccountEvents.newRequestId();
            requestsOfB.add(rb);
            streams.get(1).addAll(i % 2 == 0 ? b.failedRequest(rb, 7_000) : b.succeededRequest(rb, 7_000, 100, 10, 10, 100));
            // C: every fourth request rejected, the others cost 1000 micros
            String rc = AccountEvents.newRequestId();
            requestsOfC.add(rc);
            streams.get(2).addAll(i % 4 == 0 ? List.of(c.rejected(rc, "insufficient_credit"))
                    : c.succeededRequest(rc, 9_000, 100, 5, 7, 1_000));
        }

        // Each account's last event: once its new name shows, everything before it on its partition is applied.
        streams.get(0).add(a.opened("Account A, done"));
        streams.get(1).add(b.opened("Account B, done"));
        streams.get(2).add(c.opened("Account C, done"));

        // Round-robin one event from each account at a time, in one burst, so that polls mix them.
        List<TollgateEvent> interleaved = new ArrayList<>();
        while (streams.stream().anyMatch(s -> !s.isEmpty())) {
            for (List<TollgateEvent> stream : streams) {
                if (!stream.isEmpty()) {
                    interleaved.add(stream.removeFirst());
                }
            }
        }
        List<RecordMetadata> sent = ledger().publish(interleaved);
        for (int i = 0; i < sent.size(); i++) {
            String key = interleaved.get(i).accountId();
            assertThat(sent.get(i).partition()).as("partition of %s", key)
                    .isEqualTo(key.equals(b.accountId()) ? 1 : 0);
        }

        ViewsHttp views = views();
        eventually().untilAsserted(() -> {
            assertThat(views.balance(a.accountId()).displayName()).isEqualTo("Account A, done");
            assertThat(views.balance(b.accountId()).displayName()).isEqualTo("Account B, done");
            assertThat(views.balance(c.accountId()).displayName()).isEqualTo("Account C, done");
        });

        long costA = REQUESTS * (REQUESTS + 1) / 2;           // 1 + 2 + ... + 20 = 210
        var usageA = views.usage(a.accountId());
        assertThat(usageA.requests()).isEqualTo(REQUESTS);
        assertThat(usageA.succeeded()).isEqualTo(REQUESTS);
        assertThat(usageA.failed() + usageA.rejected()).isZero();
        assertThat(usageA.inputTokens()).isEqualTo(costA);
        assertThat(usageA.outputTokens()).isEqualTo(REQUESTS);
        assertThat(usageA.credits()).isEqualByComparingTo("0.000210");
        var balanceA = views.balance(a.accountId());
        assertThat(balanceA.reserved()).isEqualByComparingTo("0");
        assertThat(balanceA.granted()).isEqualByComparingTo("1");
        assertThat(balanceA.available()).isEqualByComparingTo("0.999790");

        var usageB = views.usage(b.accountId());
        assertThat(usageB.requests()).isEqualTo(REQUESTS);
        assertThat(usageB.succeeded()).isEqualTo(10);
        assertThat(usageB.failed()).isEqualTo(10);
        assertThat(usageB.rejected()).isZero();
        assertThat(usageB.inputTokens()).isEqualTo(100);
        assertThat(usageB.outputTokens()).isEqualTo(100);
        assertThat(usageB.credits()).isEqualByComparingTo("0.001");
        var balanceB = views.balance(b.accountId());
        assertThat(balanceB.reserved()).isEqualByComparingTo("0");
        assertThat(balanceB.granted()).isEqualByComparingTo("2");
        assertThat(balanceB.available()).isEqualByComparingTo("1.999");

        var usageC = views.usage(c.accountId());
        assertThat(usageC.requests()).isEqualTo(REQUESTS);
        assertThat(usageC.succeeded()).isEqualTo(15);
        assertThat(usageC.rejected()).isEqualTo(5);
        assertThat(usageC.failed()).isZero();
        assertThat(usageC.inputTokens()).isEqualTo(75);
        assertThat(usageC.outputTokens()).isEqualTo(105);
        assertThat(usageC.credits()).isEqualByComparingTo("0.015");
        var balanceC = views.balance(c.accountId());
        assertThat(balanceC.reserved()).isEqualByComparingTo("0");
        assertThat(balanceC.granted()).isEqualByComparingTo("3");
        assertThat(balanceC.available()).isEqualByComparingTo("2.985");

        // Each list holds exactly the account's own requests, every one in its final state: had an
        // update run before its RequestAccepted, the row would still say accepted.
        List<RequestRow> listA = views.requests(a.accountId(), 500);
        assertThat(listA).extracting(RequestRow::requestId).containsExactlyInAnyOrderElementsOf(requestsOfA);
        assertThat(listA).extracting(RequestRow::status).containsOnly("succeeded");
        assertThat(views.requests(b.accountId(), 500)).extracting(RequestRow::requestId)
                .containsExactlyInAnyOrderElementsOf(requestsOfB);
        assertThat(views.requests(b.accountId(), 500)).extracting(RequestRow::status)
                .containsOnly("succeeded", "failed");
        assertThat(views.requests(c.accountId(), 500)).extracting(RequestRow::requestId)
                .containsExactlyInAnyOrderElementsOf(requestsOfC);
        assertThat(views.requests(c.accountId(), 500)).extracting(RequestRow::status)
                .containsOnly("succeeded", "rejected");

        // Newest first, and limit cuts the page.
        List<RequestRow> newestFive = views.requests(a.accountId(), 5);
        assertThat(newestFive).hasSize(5);
        assertThat(newestFive).extracting(RequestRow::inputTokens).containsExactly(20L, 19L, 18L, 17L, 16L);
    }
}
