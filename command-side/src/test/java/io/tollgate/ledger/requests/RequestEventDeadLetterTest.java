package io.tollgate.ledger.requests;

import io.tollgate.ledger.api.RequestEventLogUnavailable;
import io.tollgate.events.codec.EventCodec;
import io.tollgate.events.support.EventIds;
import io.tollgate.events.codec.EventType;
import io.tollgate.events.RequestRejected;
import io.tollgate.events.TollgateEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.tollgate.ledger.requests.RequestLogFixture.accepted;
import static io.tollgate.ledger.requests.RequestLogFixture.debited;
import static io.tollgate.ledger.requests.RequestLogFixture.newAccount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * An event the broker refuses for its content (here: larger than the topic's max.message.bytes, yet under the log's
 * own max-event-bytes) can never be published. It must not block the log or its republisher: it becomes a row of
 * ledger.dead_letters with the reason, its request is not answered as recorded, and every other event flows on.
 */
class RequestEventDeadLetterTest {
    private static RequestLogFixture fixture;

    @BeforeAll
    static void start() {
        fixture = new RequestLogFixture("dead-letters", Map.of("max.message.bytes", "4096"));
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
    void anEventOverWhatTheTopicTakesFailsItsAppendAtOnceAndIsADeadLetter_andNothingElseIsHeldUp() throws Exception {
        SpillingRequestEventLog log = fixture.fittedLog(RequestLogFixture.fast());
        String account = newAccount();
        List<TollgateEvent> before = List.of(accepted(account, "r1", "lease-f"), debited(account, "r1", 5, "lease-f"));
        TollgateEvent tooLarge = oversized(account, "r2");
        List<TollgateEvent> after = List.of(accepted(account, "r3", "lease-f"), debited(account, "r3", 7, "lease-f"));

        log.append(account, "lease-f", before).get(10, TimeUnit.SECONDS);
        CompletableFuture<Void> refused = log.append(account, null, List.of(tooLarge));
        assertThat(refused).isCompletedExceptionally();
        log.append(account, "lease-f", after).get(10, TimeUnit.SECONDS);

        List<UUID> expected = new ArrayList<>();
        before.forEach(event -> expected.add(event.eventId()));
        after.forEach(event -> expected.add(event.eventId()));
        assertThat(fixture.firstOccurrences(account)).containsExactlyElementsOf(expected);
        assertThat(deadLetters()).filteredOn(letter -> letter.eventId().equals(tooLarge.eventId())).singleElement()
                .satisfies(letter -> {
                    assertThat(letter.source()).isEqualTo("request-log");
                    assertThat(letter.reason()).contains("the topic takes");
                });
        assertThat(log.isSpilling()).isFalse();
        assertThat(log.fences()).isZero();
    }

    @Test
    void anAppendTheBrokerRefusesFailsAndIsADeadLetter_andTheAppendsAroundItFlowOn() throws Exception {
        // Sizes as configured, not fitted to the topic: the broker itself refuses the event.
        SpillingRequestEventLog log = fixture.liveLog(RequestLogFixture.fast());
        String account = newAccount();
        List<TollgateEvent> before = List.of(accepted(account, "r1", "lease-p"), debited(account, "r1", 5, "lease-p"));
        TollgateEvent tooLarge = oversized(account, "r2");
        List<TollgateEvent> after = List.of(accepted(account, "r3", "lease-p"), debited(account, "r3", 7, "lease-p"));

        log.append(account, "lease-p", before).get(10, TimeUnit.SECONDS);
        CompletableFuture<Void> refused = log.append(account, null, List.of(tooLarge));
        assertThatThrownBy(() -> refused.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(RequestEventLogUnavailable.class);
        log.append(account, "lease-p", after).get(10, TimeUnit.SECONDS);

        List<UUID> expected = new ArrayList<>();
        before.forEach(event -> expected.add(event.eventId()));
        after.forEach(event -> expected.add(event.eventId()));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(fixture.firstOccurrences(account)).containsExactlyElementsOf(expected));
        assertThat(deadLetters()).filteredOn(letter -> letter.eventId().equals(tooLarge.eventId())).singleElement()
                .satisfies(letter -> {
            assertThat(letter.source()).isEqualTo("request-log");
            assertThat(letter.reason()).contains("RecordTooLarge");
            assertThat(new EventCodec().decode(letter.payload())).isEqualTo(tooLarge);
        });
        assertThat(log.deadLetteredEvents()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(20)).until(() -> !log.isSpilling());
    }

    @Test
    void aSpilledEventTheBrokerRefusesIsADeadLetter_andTheRowsBehindItArePublished() throws Exception {
        String account = newAccount();
        TollgateEvent tooLarge = oversized(account, "r1");
        List<TollgateEvent> behind = List.of(accepted(account, "r2", "lease-q"), debited(account, "r2", 3, "lease-q"));
        var codec = new EventCodec();
        List<EncodedEvent> rows = new ArrayList<>();
        for (TollgateEvent event : List.of(tooLarge, behind.get(0), behind.get(1))) {
            EventType type = codec.typeOf(event);
            rows.add(new EncodedEvent(account, event == tooLarge ? null : "lease-q", event.eventId(), type.name(),
                    type.currentVersion(), codec.encode(event)));
        }
        // Left behind by an instance that stopped: the first is one the broker will never take.
        fixture.spill.insert("stopped-instance", fixture.topic, rows);

        SpillingRequestEventLog log = fixture.fittedLog(RequestLogFixture.fast());

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(fixture.firstOccurrences(account))
                .containsExactly(behind.get(0).eventId(), behind.get(1).eventId()));
        assertThat(deadLetters()).filteredOn(letter -> letter.eventId().equals(tooLarge.eventId())).singleElement()
                .satisfies(letter -> assertThat(letter.source()).isEqualTo("request-spill"));
        await().atMost(Duration.ofSeconds(20)).until(() -> fixture.spilledBy("stopped-instance").isEmpty());
        assertThat(log.deadLetteredEvents()).isEqualTo(1);
    }

    /** Well under the log's max-event-bytes, well over the topic's 4 KB. */
    private static TollgateEvent oversized(String account, String request) {
        return new RequestRejected(EventIds.next(), Instant.now(), account, request, "m", "bad_request", 400,
                "x".repeat(20_000));
    }

    record Letter(String source, UUID eventId, String reason, byte[] payload) {
    }

    private static List<Letter> deadLetters() throws Exception {
        try (var connection = fixture.dataSource.getConnection();
             var select = connection.prepareStatement("select source, event_id, reason, payload from ledger.dead_letters"
                     + " where topic = ? order by id")) {
            select.setString(1, fixture.topic);
            List<Letter> letters = new ArrayList<>();
            try (var result = select.executeQuery()) {
                while (result.next()) {
                    letters.add(new Letter(result.getString(1), result.getObject(2, UUID.class), result.getString(3),
                            result.getBytes(4)));
                }
            }
            return letters;
        }
    }
}
