package io.tollgate.views.replay;

import io.tollgate.events.TollgateEvent;
import io.tollgate.views.QuerySideTestBase;
import io.tollgate.views.testing.AccountEvents;
import io.tollgate.views.testing.Infrastructure;
import io.tollgate.views.testing.LedgerTopic;
import io.tollgate.views.testing.ViewTables;
import io.tollgate.views.testing.ViewsHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import javax.sql.DataSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replay determinism (DESIGN.md I3): rebuilding from offset 0 gives the live views row for row, and
 * swapping the rebuild in hands over to the live consumer without losing or doubling an event, also
 * for events the live views took after the rebuild had stopped.
 */
class ReplayAndSwapTest extends QuerySideTestBase {
    private static final String REBUILD = "views_rebuild_test";
    private static final String FRESH = "views_fresh_test";

    @Autowired
    DataSource dataSource;

    @Autowired
    JdbcClient jdbc;

    @AfterEach
    void dropTheRebuild() throws Exception {
        ViewsSchemas.drop(dataSource, REBUILD);
        ViewsSchemas.drop(dataSource, FRESH);
    }

    @Test
    void aRebuildEqualsTheLiveViewsRowForRowAndSwapsInWhileTheLiveConsumerGoesOn() throws Exception {
        var p = new AccountEvents(AccountEvents.newAccountId());
        var q = new AccountEvents(AccountEvents.newAccountId());
        List<TollgateEvent> events = new ArrayList<>();
        for (AccountEvents account : List.of(p, q)) {
            String refunded = AccountEvents.newRequestId();
            events.add(account.opened("Replay " + account.accountId()));
            events.add(account.granted("g-" + account.accountId(), 5_000_000));
            events.addAll(account.succeededRequest(AccountEvents.newRequestId(), 9_000, 100, 5, 5, 50));
            events.addAll(account.succeededRequest(refunded, 9_000, 150, 7, 3, 70));
            events.add(account.refunded(refunded, 70));
            events.addAll(account.failedRequest(AccountEvents.newRequestId(), 9_000));
            events.add(account.rejected(AccountEvents.newRequestId(), "insufficient_credit"));
            events.add(account.expired("g-" + account.accountId(), 1_000));
            events.add(account.adjusted(-500, "correction"));
            // Credit leases: one settled, one left open, request events in the gateway's shape.
            String settled = "lease-" + java.util.UUID.randomUUID(), open = "lease-" + java.util.UUID.randomUUID();
            events.add(account.leaseGranted(settled, 1_000_000));
            events.addAll(account.succeededOnLease(settled, AccountEvents.newRequestId(), 90_000, 30_000));
            events.addAll(account.failedOnLease(settled, AccountEvents.newRequestId(), 90_000));
            events.add(account.leaseSettled(settled, 1_000_000, 30_000, 1, io.tollgate.events.LeaseSettled.LeaseEnd.RETURNED));
            events.add(account.leaseGranted(open, 2_000_000));
            events.add(account.leaseExtended(open));
            events.addAll(account.succeededOnLease(open, AccountEvents.newRequestId(), 90_000, 40_000));
        }
        ledger().publish(events);
        awaitLiveCaughtUp();

        var result = new ViewsReplay(dataSource, Infrastructure.kafkaBootstrap(), TOPIC, 100).rebuild(REBUILD, null);
        assertThat(result.records()).isGreaterThanOrEqualTo(events.size());
        Set<String> accounts = ledger().publishedAccounts();
        for (String table : ViewTables.DETERMINISTIC) {
            assertThat(ViewTables.rows(jdbc, REBUILD, table, accounts)).as(table).isPositive();
            assertThat(ViewTables.differingRows(jdbc, table, "views", REBUILD, accounts)).as(table).isZero();
        }
        assertThat(ViewTables.positions(jdbc, REBUILD, TOPIC)).isEqualTo(LedgerTopic.endOffsets(TOPIC));   // empty partitions too

        // Events after the rebuild stopped: the live views take them, the rebuild has not seen them.
        ledger().publish(p.granted(2_000_000), p.opened("Replay P, after the rebuild"));
        ViewsHttp views = views();
        eventually().untilAsserted(() ->
                assertThat(views.balance(p.accountId()).displayName()).isEqualTo("Replay P, after the rebuild"));

        ViewsSchemas.swap(dataSource, REBUILD, "views");

        // The rebuilt schema stands before those events; the live consumer notices and applies them there.
        ledger().publish(q.opened("Replay Q, after the swap"));
        eventually().untilAsserted(() -> {
            assertThat(views.balance(q.accountId()).displayName()).isEqualTo("Replay Q, after the swap");
            assertThat(views.balance(p.accountId()).displayName()).isEqualTo("Replay P, after the rebuild");
        });
        assertThat(views.balance(p.accountId()).granted()).isEqualByComparingTo("7");
        assertThat(views.ledgerLineCount(p.accountId())).isEqualTo(9);    // 2 grants, 2 debits, refund, expiry, adjustment, 2 lease debits
        awaitLiveCaughtUp();

        // And the swapped-in views still equal a fresh rebuild, row for row: nothing lost, nothing doubled.
        new ViewsReplay(dataSource, Infrastructure.kafkaBootstrap(), TOPIC, 1_000).rebuild(REBUILD, null);
        for (String table : ViewTables.DETERMINISTIC) {
            assertThat(ViewTables.differingRows(jdbc, table, "views", REBUILD, accounts)).as(table).isZero();
        }
        // The swapped-in schema carries its own migration history: starting the query side again migrates nothing.
        ViewsSchemas.migrate(dataSource, "views");
        // The rebuild loads without most indexes and builds them at the end: all of them, as the migrations made them.
        ViewsSchemas.recreate(dataSource, FRESH);
        assertThat(indexes("views")).isEqualTo(indexes(FRESH));
    }

    private java.util.List<String> indexes(String schema) {
        return jdbc.sql("select replace(indexdef, ? || '.', 'S.') from pg_indexes where schemaname = ? order by indexname")
                .params(schema, schema)
                .query(String.class)
                .list();
    }

    /** The live consumer stores a position once it applied a batch of the partition; an empty one has none. */
    private void awaitLiveCaughtUp() {
        var ends = LedgerTopic.endOffsets(TOPIC);
        eventually().untilAsserted(() -> {
            var positions = ViewTables.positions(jdbc, "views", TOPIC);
            ends.forEach((partition, end) -> assertThat(positions.getOrDefault(partition, 0L)).as("partition %d", partition).isEqualTo(end));
        });
    }
}
