package io.tollgate.ledger.requests;

import io.tollgate.ledger.api.RequestEventLogUnavailable;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.TollgateEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.tollgate.ledger.requests.RequestLogFixture.accepted;
import static io.tollgate.ledger.requests.RequestLogFixture.debited;
import static io.tollgate.ledger.requests.RequestLogFixture.newAccount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One account, lease L: r1 (100) on the topic and again in the spill, r2 (250) twice on the topic, r3 (50) only in the
 * spill; around them events that must not count (another lease, no lease, not a debit).
 */
class LeaseTallyTest {
    private static final String LEASE = "lease-" + UUID.randomUUID();
    private static RequestLogFixture fixture;
    private static String account;
    private static Instant granted;
    private static Instant afterTopicEvents;

    @BeforeAll
    static void writeTheLease() throws Exception {
        fixture = new RequestLogFixture("tally-test");
        account = newAccount();
        granted = Instant.now();
        // A republisher that runs once, at start, and not again while the test looks at the spill.
        SpillingRequestEventLog live = fixture.liveLog(RequestLogFixture.fast().withRepublishInterval(Duration.ofHours(1)));
        CreditsDebited r1 = debited(account, "r1", 100, LEASE);
        CreditsDebited r2 = debited(account, "r2", 250, LEASE);
        await(live.append(account, LEASE, List.of(accepted(account, "r1", LEASE), r1)));
        await(live.append(account, LEASE, List.of(accepted(account, "r2", LEASE), r2)));
        await(live.append(account, LEASE, List.of(r2))); // the same event twice on the topic
        await(live.append(account, "lease-other", List.of(debited(account, "r9", 999, "lease-other"))));
        await(live.append(account, null, List.of(debited(account, "r8", 777, null))));
        await(live.append(account, "lease-other", List.of(debited(account, "r1", 555, "lease-other"))));
        Thread.sleep(5); // record timestamps are in milliseconds: the next instant is after all of them
        afterTopicEvents = Instant.now();

        SpillingRequestEventLog away = fixture.deadBrokerLog(RequestLogFixture.fast()
                .withAckTimeout(Duration.ofMillis(500), Duration.ofMillis(200)));
        await(away.append(account, LEASE, List.<TollgateEvent>of(r1)));
        await(away.append(account, LEASE, List.of(accepted(account, "r3", LEASE), debited(account, "r3", 50, LEASE))));
        assertThat(fixture.spilledBy(away.instanceId())).hasSize(3);
    }

    private static void await(CompletableFuture<Void> append) throws Exception {
        append.get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void sumsTheLeasesDebitsOnTheTopicAndInTheSpill_eachRequestOnce() {
        assertThat(fixture.tally(Duration.ofSeconds(30)).tally(account, LEASE, granted))
                .isEqualTo(new LeaseTally.Tally(400, 3));
    }

    @Test
    void startsReadingTheTopicAtTheGrantTimeLessTheMargin() {
        // Granted after every topic event, no margin: only the spill's rows are left (r1 and r3).
        assertThat(fixture.tally(Duration.ZERO).tally(account, LEASE, afterTopicEvents))
                .isEqualTo(new LeaseTally.Tally(150, 2));
        // The margin reaches back to them.
        assertThat(fixture.tally(Duration.ofMinutes(1)).tally(account, LEASE, afterTopicEvents))
                .isEqualTo(new LeaseTally.Tally(400, 3));
    }

    @Test
    void aLeaseWithoutEventsTalliesZero() {
        assertThat(fixture.tally(Duration.ofSeconds(30)).tally(account, "lease-unused", granted))
                .isEqualTo(new LeaseTally.Tally(0, 0));
        assertThat(fixture.tally(Duration.ofSeconds(30)).tally(newAccount(), LEASE, granted))
                .isEqualTo(new LeaseTally.Tally(0, 0));
    }

    @Test
    void aTopicThatCannotBeReadFailsTheTally() {
        var tally = new KafkaLeaseTally(java.util.Map.of("bootstrap.servers", RequestLogFixture.BOOTSTRAP),
                "tollgate.requests.no-such-topic." + UUID.randomUUID(), fixture.spill, Duration.ofSeconds(3),
                Duration.ZERO);
        assertThatThrownBy(() -> tally.tally(account, LEASE, granted)).isInstanceOf(RequestEventLogUnavailable.class);
    }
}
