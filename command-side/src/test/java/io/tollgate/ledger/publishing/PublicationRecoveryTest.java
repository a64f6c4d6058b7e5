package io.tollgate.ledger.publishing;

import io.tollgate.ledger.api.LedgerTopicProperties;
import io.tollgate.events.LeaseGranted;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventTrackerStatus;
import org.axonframework.eventhandling.TrackingEventProcessor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * Publication resumes within seconds of the broker taking records again, however long it refused them. Axon's
 * tracking processor doubles its wait after each failed attempt up to a minute: after a 25 s outage it slept 16 s
 * more before it tried again.
 * <p>
 * The outage is real and confined to this test's topic: the topic is deleted (the broker creates no topics on its
 * own), so every send waits for the topic's metadata until {@code max.block.ms}, shortened here, and fails; then
 * it is created again.
 */
class PublicationRecoveryTest {
    private static final Duration OUTAGE = Duration.ofSeconds(25);
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(10);
    private static final int PARTITIONS = 2;

    private static PublicationFixture ledger;
    private static Admin admin;

    @BeforeAll
    static void start() {
        ledger = new PublicationFixture(
                "--spring.kafka.producer.properties.max.block.ms=1000",
                "--spring.kafka.producer.properties.delivery.timeout.ms=1500",
                "--spring.kafka.producer.properties.request.timeout.ms=1000");
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, PublicationFixture.BOOTSTRAP));
    }

    @AfterAll
    static void stop() throws Exception {
        if (admin != null) {
            admin.deleteTopics(List.of(ledger.topic));
            admin.close();
        }
        if (ledger != null) {
            ledger.close();
        }
    }

    @Test
    void publicationResumesWithinSecondsOfTheBrokerTakingRecordsAgain() throws Exception {
        LeaseGranted first = PublicationFixture.leaseGranted(Instant.now());
        ledger.appendCommitted(first);
        await().atMost(Duration.ofSeconds(30)).until(() -> ledger.isPublishedAnew(first.eventId()));

        admin.deleteTopics(List.of(ledger.topic)).all().get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(ledger.topic));
        LeaseGranted duringOutage = PublicationFixture.leaseGranted(Instant.now());
        ledger.appendCommitted(duringOutage);
        await().atMost(Duration.ofSeconds(30)).until(PublicationRecoveryTest::publisherFailing);
        // The outage itself: the publisher keeps failing and backing off meanwhile.
        Thread.sleep(OUTAGE.toMillis());

        admin.createTopics(List.of(new NewTopic(ledger.topic, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        long back = System.nanoTime();
        await().atMost(RECOVERY_BOUND).pollInterval(Duration.ofMillis(200))
                .until(() -> ledger.isPublishedAnew(duringOutage.eventId()));
        System.out.printf("publication resumed %d ms after the topic was back%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back));
    }

    private static boolean publisherFailing() {
        String name = ledger.context.getBean(LedgerTopicProperties.class).publisherName();
        return ledger.context.getBean(EventProcessingConfiguration.class)
                .eventProcessor(name, TrackingEventProcessor.class).orElseThrow()
                .processingStatus().values().stream().anyMatch(EventTrackerStatus::isErrorState);
    }
}
