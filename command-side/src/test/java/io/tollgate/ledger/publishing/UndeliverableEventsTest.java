package io.tollgate.ledger.publishing;

import io.tollgate.ledger.api.LedgerTopicProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.events.LeaseGranted;
import io.tollgate.ledger.processing.LedgerDeadLetters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An event the publisher can never deliver, or that the publisher and the expiry schedule cannot even read,
 * becomes a row of ledger.dead_letters with its reason, counted; the events after it flow on. Before, an
 * event over the broker's size limit stopped publication for good (the batch was retried forever), and an
 * unreadable one was logged and dropped by the publisher and stopped the expiry schedule for good.
 */
class UndeliverableEventsTest {
    private static PublicationFixture ledger;
    private static SimpleMeterRegistry metrics;

    @BeforeAll
    static void start() {
        ledger = new PublicationFixture();
        metrics = new SimpleMeterRegistry();
        ledger.context.getBean(LedgerDeadLetters.class).bindTo(metrics);
    }

    @AfterAll
    static void stop() {
        if (ledger != null) {
            ledger.close();
        }
    }

    @Test
    void anEventLargerThanTheBrokerTakesIsADeadLetterAndTheNextOneIsPublished() {
        String publisher = publisherName();
        double before = deadLetterCount(publisher);
        // Twice Kafka's default 1 MiB request limit.
        LeaseGranted oversized = PublicationFixture.leaseGranted(Instant.now(), "gw-" + "x".repeat(2 * 1024 * 1024));
        LeaseGranted next = PublicationFixture.leaseGranted(Instant.now());

        ledger.appendCommitted(oversized);
        ledger.appendCommitted(next);

        await().atMost(Duration.ofSeconds(30)).until(() -> ledger.isPast(publisher, next.eventId()));
        // Past the publisher is not yet on the topic for this test's consumer: one poll may come back before it.
        await().atMost(Duration.ofSeconds(30)).until(() -> ledger.isPublished(next.eventId()));
        Map<String, Object> deadLetter = deadLetter(oversized.eventId());
        assertThat(deadLetter.get("source")).isEqualTo(publisher);
        assertThat(deadLetter.get("event_type")).isEqualTo("LeaseGranted");
        assertThat((String) deadLetter.get("reason")).contains("RecordTooLargeException");
        assertThat(((byte[]) deadLetter.get("payload")).length).isGreaterThan(2 * 1024 * 1024);
        assertThat(ledger.isPublished(oversized.eventId())).isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> deadLetterCount(publisher) == before + 1);
        // The expiry schedule has no size limit: it schedules the lease like any other.
        await().atMost(Duration.ofSeconds(30)).until(() -> ledger.leaseDueAt(oversized).isPresent());
    }

    @Test
    void anEventThatCannotBeReadIsADeadLetterOfBothProcessorsAndTheNextOneFlowsOn() {
        String publisher = publisherName();
        UUID unreadableId = UUID.randomUUID();
        byte[] unreadablePayload = "{\"eventId\": \"not a uuid\", \"leaseId\": [".getBytes(StandardCharsets.UTF_8);
        ledger.jdbc.sql("""
                        insert into ledger.domain_event_entry (sequence_number, payload, meta_data, aggregate_identifier,
                            event_identifier, payload_type, time_stamp, type)
                        values (0, ?, '{}'::bytea, ?, ?, ?, ?, 'CreditAccount')""")
                .params(unreadablePayload, "acct-unreadable-" + unreadableId, unreadableId.toString(),
                        LeaseGranted.class.getName(), Instant.now().toString())
                .update();
        LeaseGranted next = PublicationFixture.leaseGranted(Instant.now());
        ledger.appendCommitted(next);

        await().atMost(Duration.ofSeconds(30)).until(() -> ledger.isPast(publisher, next.eventId()));
        await().atMost(Duration.ofSeconds(30)).until(() -> ledger.isPublished(next.eventId()));
        await().atMost(Duration.ofSeconds(30)).until(() -> ledger.leaseDueAt(next).isPresent());
        List<Map<String, Object>> deadLetters = deadLetters(unreadableId);
        assertThat(deadLetters).extracting(row -> row.get("source"))
                .containsExactlyInAnyOrder(publisher, "expiry-schedule");
        assertThat(deadLetters).allSatisfy(row -> {
            assertThat(row.get("event_type")).isEqualTo("LeaseGranted");
            assertThat((String) row.get("reason")).contains("cannot be read");
            assertThat((byte[]) row.get("payload")).isEqualTo(unreadablePayload);
        });
    }

    private static String publisherName() {
        return ledger.context.getBean(LedgerTopicProperties.class).publisherName();
    }

    private static Map<String, Object> deadLetter(UUID eventId) {
        await().atMost(Duration.ofSeconds(30)).until(() -> !deadLetters(eventId).isEmpty());
        List<Map<String, Object>> rows = deadLetters(eventId);
        assertThat(rows).hasSize(1);
        return rows.getFirst();
    }

    private static List<Map<String, Object>> deadLetters(UUID eventId) {
        return ledger.jdbc.sql("""
                        select source, event_type, reason, payload from ledger.dead_letters
                        where event_id = ? order by id""")
                .param(eventId)
                .query().listOfRows();
    }

    private static double deadLetterCount(String source) {
        var counter = metrics.find("tollgate.ledger.dead_letters").tag("source", source).counter();
        return counter == null ? 0 : counter.count();
    }
}
