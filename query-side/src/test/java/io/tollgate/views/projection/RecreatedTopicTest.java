package io.tollgate.views.projection;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.events.TollgateEvent;
import io.tollgate.views.ViewsProperties;
import io.tollgate.views.replay.ViewsSchemas;
import io.tollgate.views.testing.AccountEvents;
import io.tollgate.views.testing.Infrastructure;
import io.tollgate.views.testing.LedgerPublisher;
import io.tollgate.views.testing.LedgerTopic;
import io.tollgate.views.testing.ViewTables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.autoconfigure.kafka.KafkaProperties;
import org.springframework.jdbc.core.simple.JdbcClient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Views kept in PostgreSQL while the topic they were built from is gone (a broker whose storage was wiped,
 * a topic deleted and created again): the stored positions lie beyond the new topic's end. The consumer
 * once waited for records at those offsets before projecting anything, and the views stood still; now it
 * projects the new topic from its beginning and stores its positions.
 */
class RecreatedTopicTest {
    private static final String SCHEMA = "views_recreated_topic_test";
    private static final long OLD_TOPIC_POSITION = 36_043_918;
    private final String topic = "tollgate.ledger.recreated-test." + UUID.randomUUID();
    private final String group = "tollgate-views-recreated-test." + UUID.randomUUID();
    private final PGSimpleDataSource dataSource = new PGSimpleDataSource();
    private final JdbcClient jdbc;
    private LiveLedgerConsumer consumer;

    RecreatedTopicTest() {
        String url = System.getenv("TOLLGATE_TEST_DB_URL");
        dataSource.setUrl(url == null || url.isBlank() ? "jdbc:postgresql://127.0.0.1:5432/tollgate_test" : url);
        dataSource.setUser("tollgate");
        dataSource.setPassword("tollgate");
        jdbc = JdbcClient.create(dataSource);
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (consumer != null) {
            consumer.stop();
        }
        LedgerTopic.delete(topic, group);
        ViewsSchemas.drop(dataSource, SCHEMA);
    }

    @Test
    void positionsBeyondTheTopicsEndProjectTheNewTopicFromItsBeginning() throws Exception {
        LedgerTopic.create(topic);
        ViewsSchemas.recreate(dataSource, SCHEMA);
        for (int partition = 0; partition < LedgerTopic.PARTITIONS; partition++) {
            jdbc.sql("insert into " + SCHEMA + ".consumer_positions (topic, partition, next_offset) values (?, ?, ?)")
                    .params(topic, partition, OLD_TOPIC_POSITION).update();
        }
        var account = new AccountEvents(AccountEvents.newAccountId());
        String lease = "lease-" + UUID.randomUUID();
        List<TollgateEvent> events = new ArrayList<>(List.of(account.opened("On the new topic"),
                account.granted(5_000_000), account.leaseGranted(lease, 1_000_000)));
        events.addAll(account.succeededOnLease(lease, AccountEvents.newRequestId(), 90_000, 12_345));
        try (LedgerPublisher publisher = new LedgerPublisher(topic)) {
            publisher.send(publisher.encode(events));
        }

        KafkaProperties kafka = new KafkaProperties();
        kafka.setBootstrapServers(List.of(Infrastructure.kafkaBootstrap()));
        consumer = new LiveLedgerConsumer(new ViewsProperties(topic, group, "x", 2_000, 1_000,
                Duration.ofMillis(10)), kafka, dataSource, new SimpleMeterRegistry(), SCHEMA);
        consumer.start();

        int partition = LedgerTopic.partitionOf(account.accountId());
        await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            var row = jdbc.sql("select debited_micros, display_name from " + SCHEMA + ".accounts").query().listOfRows();
            assertThat(row).singleElement().satisfies(r -> {
                assertThat(r.get("display_name")).isEqualTo("On the new topic");
                assertThat(r.get("debited_micros")).isEqualTo(12_345L);
            });
            assertThat(ViewTables.positions(jdbc, SCHEMA, topic).get(partition))
                    .isEqualTo(LedgerTopic.endOffsets(topic).get(partition));
        });
    }
}
