package io.tollgate.ledger.requests;

import io.tollgate.ledger.api.RequestEventLogUnavailable;
import io.tollgate.events.codec.EventCodec;
import io.tollgate.events.TollgateEvent;
import io.tollgate.events.support.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.tollgate.ledger.requests.RequestLogFixture.accepted;
import static io.tollgate.ledger.requests.RequestLogFixture.debited;
import static io.tollgate.ledger.requests.RequestLogFixture.header;
import static io.tollgate.ledger.requests.RequestLogFixture.newAccount;
import static io.tollgate.ledger.requests.RequestLogFixture.rejected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class RequestEventLogTest {
    private static RequestLogFixture fixture;

    @BeforeAll
    static void start() {
        fixture = new RequestLogFixture("log-test");
    }

    @AfterEach
    void stopLogs() {
        fixture.stopLogs();
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void appendedEventsReachTheAccountsPartitionInOrder_withTheLedgersEncodingAndHeaders() throws Exception {
        SpillingRequestEventLog log = fixture.liveLog(RequestLogFixture.fast());
        String account = newAccount();
        List<TollgateEvent> first = List.of(accepted(account, "r1", "lease-a"), debited(account, "r1", 70, "lease-a"));
        List<TollgateEvent> second = List.of(accepted(account, "r2", "lease-a"), debited(account, "r2", 30, "lease-a"));
        List<TollgateEvent> unleased = List.of(rejected(account, "r3"));

        CompletableFuture<Void> a = log.append(account, "lease-a", first);
        CompletableFuture<Void> b = log.append(account, "lease-a", second);
        CompletableFuture<Void> c = log.append(account, null, unleased);
        CompletableFuture.allOf(a, b, c).get(10, TimeUnit.SECONDS);

        List<TollgateEvent> expected = new ArrayList<>(first);
        expected.addAll(second);
        expected.addAll(unleased);
        List<ConsumerRecord<String, byte[]>> records = fixture.recordsOf(account);
        var codec = new EventCodec();
        assertThat(records).extracting(record -> codec.decode(record.value())).containsExactlyElementsOf(expected);
        for (int i = 0; i < records.size(); i++) {
            var record = records.get(i);
            var event = expected.get(i);
            assertThat(record.key()).isEqualTo(account);
            assertThat(record.value()).isEqualTo(codec.encode(event));
            assertThat(header(record, Topics.HEADER_EVENT_ID)).isEqualTo(event.eventId().toString());
            assertThat(header(record, Topics.HEADER_EVENT_TYPE)).isEqualTo(codec.typeOf(event).name());
            assertThat(header(record, Topics.HEADER_SCHEMA_VERSION))
                    .isEqualTo(Integer.toString(codec.typeOf(event).currentVersion()));
            assertThat(header(record, Topics.HEADER_LEASE_ID)).isEqualTo(i < 4 ? "lease-a" : null);
        }
        assertThat(log.isSpilling()).isFalse();
        assertThat(log.spilledEvents()).isZero();
    }

    @Test
    void appendRefusesEventsOfAnotherAccount() {
        SpillingRequestEventLog log = fixture.liveLog(RequestLogFixture.fast());
        String account = newAccount();
        assertThatThrownBy(() -> log.append(account, null, List.of(rejected(newAccount(), "r"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> log.append(account, null, List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whileTheBrokerIsAway_appendsCompleteThroughTheSpill_andAnotherInstanceRepublishesThemInOrder() throws Exception {
        RequestLogProperties properties = RequestLogFixture.fast().withAckTimeout(Duration.ofMillis(800),
                Duration.ofMillis(300));
        SpillingRequestEventLog away = fixture.deadBrokerLog(properties);
        String account = newAccount();
        String other = newAccount();
        List<UUID> appended = new ArrayList<>();
        List<UUID> appendedOther = new ArrayList<>();
        long bound = properties.ackTimeout().plus(properties.spillTimeout()).toMillis() + 500;
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String request = "r" + i;
            var events = List.<TollgateEvent>of(accepted(account, request, "lease-x"), debited(account, request, i, "lease-x"));
            var otherEvents = List.<TollgateEvent>of(accepted(other, request, null));
            long start = System.nanoTime();
            CompletableFuture<Void> append = away.append(account, "lease-x", events);
            CompletableFuture<Void> otherAppend = away.append(other, null, otherEvents);
            append.get(bound, TimeUnit.MILLISECONDS);
            otherAppend.get(bound, TimeUnit.MILLISECONDS);
            millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            events.forEach(event -> appended.add(event.eventId()));
            otherEvents.forEach(event -> appendedOther.add(event.eventId()));
        }
        assertThat(away.isSpilling()).isTrue();
        assertThat(away.fences()).isEqualTo(1);
        // The first append waited for the broker; the ones after it went straight to the spill.
        assertThat(millis.get(0)).isGreaterThanOrEqualTo(properties.maxBlock().toMillis());
        assertThat(millis.subList(1, millis.size())).allMatch(ms -> ms < properties.maxBlock().toMillis(),
                "below max-block");
        List<UUID> spilled = fixture.spilledBy(away.instanceId());
        assertThat(spilled.stream().filter(appended::contains).toList()).containsExactlyElementsOf(appended);
        assertThat(spilled.stream().filter(appendedOther::contains).toList()).containsExactlyElementsOf(appendedOther);
        assertThat(fixture.firstOccurrences(account)).isEmpty();

        SpillingRequestEventLog live = fixture.liveLog(RequestLogFixture.fast());
        await().atMost(Duration.ofSeconds(60)).until(() -> fixture.spilledBy(away.instanceId()).isEmpty());

        assertThat(fixture.firstOccurrences(account)).containsExactlyElementsOf(appended);
        assertThat(fixture.firstOccurrences(other)).containsExactlyElementsOf(appendedOther);
        assertThat(live.republishedEvents()).isGreaterThanOrEqualTo(appended.size() + appendedOther.size());
        assertThat(away.isSpilling()).as("its own broker is still away").isTrue();
    }

    /**
     * An acknowledgement bound so short that the real broker misses it again and again: the instance fences, spills,
     * republishes and returns to direct sends many times while one caller appends. A deduplicating consumer must still
     * see every event, in append order.
     */
    @Test
    void switchingBetweenDirectSendsAndTheSpill_neverReordersAnAccountNorLosesAnEvent() throws Exception {
        RequestLogProperties properties = RequestLogFixture.fast()
                .withAckTimeout(Duration.ofMillis(1), Duration.ofMillis(1))
                .withSpillTimeout(Duration.ofSeconds(20))
                .withRepublishInterval(Duration.ofMillis(5));
        SpillingRequestEventLog log = fixture.liveLog(properties);
        String account = newAccount();
        List<UUID> appended = new ArrayList<>();
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            String request = "r" + i;
            var events = List.<TollgateEvent>of(accepted(account, request, "lease-s"), debited(account, request, 1, "lease-s"));
            events.forEach(event -> appended.add(event.eventId()));
            pending.add(log.append(account, "lease-s", events));
            if (i % 8 == 7) { // a few appends in flight at once, then wait for them
                CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
                pending.clear();
            }
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(60)).until(() -> fixture.spilledBy(log.instanceId()).isEmpty());

        assertThat(log.fences()).as("fences").isGreaterThan(0);
        assertThat(log.switchesToDirect()).as("switches back to direct sends").isGreaterThan(0);
        assertThat(log.spilledEvents()).isGreaterThan(0);
        assertThat(fixture.firstOccurrences(account)).containsExactlyElementsOf(appended);
    }

    @Test
    void whenPostgresIsAwayToo_theAppendFailsWithinTheBound() {
        RequestLogProperties properties = RequestLogFixture.fast()
                .withAckTimeout(Duration.ofMillis(400), Duration.ofMillis(200))
                .withSpillTimeout(Duration.ofMillis(600));
        var log = new SpillingRequestEventLog(properties, fixture.topic, RequestLogConfiguration.producerFactory(
                java.util.Map.of("bootstrap.servers", "127.0.0.1:" + RequestLogFixture.closedPort()), properties),
                new SpillTable(RequestLogFixture.unreachableDatabase(), Duration.ofSeconds(1)));
        log.start();
        try {
            String account = newAccount();
            long start = System.nanoTime();
            CompletableFuture<Void> append = log.append(account, "lease", List.of(debited(account, "r", 5, "lease")));
            assertThatThrownBy(() -> append.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(RequestEventLogUnavailable.class);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(millis).isBetween(properties.ackTimeout().plus(properties.spillTimeout()).toMillis() - 50,
                    properties.ackTimeout().plus(properties.spillTimeout()).toMillis() + 1000);
        } finally {
            log.stop();
        }
    }

    @Test
    void appendQuietly_neverThrowsNorBlocks_andDeliversInTheBackground() throws Exception {
        SpillingRequestEventLog away = fixture.deadBrokerLog(RequestLogFixture.fast()
                .withAckTimeout(Duration.ofSeconds(2), Duration.ofSeconds(2)));
        String account = newAccount();
        long start = System.nanoTime();
        away.appendQuietly(account, null);
        away.appendQuietly(account, List.of(rejected(newAccount(), "wrong-account")));
        for (int i = 0; i < 5; i++) {
            away.appendQuietly(account, List.of(rejected(account, "q" + i)));
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                .as("a dead broker blocks send() for max-block; the caller must not notice").isLessThan(500);

        SpillingRequestEventLog live = fixture.liveLog(RequestLogFixture.fast());
        var event = rejected(account, "q-live");
        live.appendQuietly(account, List.of(event));
        await().atMost(Duration.ofSeconds(30)).until(() -> fixture.firstOccurrences(account).contains(event.eventId()));
        var record = fixture.recordsOf(account).stream()
                .filter(r -> header(r, Topics.HEADER_EVENT_ID).equals(event.eventId().toString())).findFirst().orElseThrow();
        assertThat(header(record, Topics.HEADER_LEASE_ID)).isNull();
        // The dead-broker instance's quiet appends were spilled and are republished by the live one.
        await().atMost(Duration.ofSeconds(60)).until(() -> fixture.firstOccurrences(account).size() == 6);
    }
}
