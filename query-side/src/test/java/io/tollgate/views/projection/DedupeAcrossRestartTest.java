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
 * I4 without a row per event: a consumer that starts again (a restart, a new assignment) refills its
 * dedupe window from the records before its stored positions, so an at-least-once duplicate that arrives
 * after the restart, close behind its original, still changes nothing; and nothing before the stored
 * positions is applied twice.
 */
class DedupeAcrossRestartTest {
    private static final String SCHEMA = "views_restart_test";
    private final String topic = "tollgate.ledger.restart-test." + UUID.randomUUID();
    private final String group = "tollgate-views-restart-test." + UUID.randomUUID();
    private final PGSimpleDataSource dataSource = new PGSimpleDataSource();
    private final JdbcClient jdbc;
    private final List<LiveLedgerConsumer> started = new ArrayList<>();

    DedupeAcrossRestartTest() {
        String url = System.getenv("TOLLGATE_TEST_DB_URL");
        dataSource.setUrl(url == null || url.isBlank() ? "jdbc:postgresql://127.0.0.1:5432/tollgate_test" : url);
        dataSource.setUser("tollgate");
        dataSource.setPassword("tollgate");
        jdbc = JdbcClient.create(dataSource);
    }

    @AfterEach
    void cleanUp() throws Exception {
        started.forEach(LiveLedgerConsumer::stop);
        LedgerTopic.delete(topic, group);
        ViewsSchemas.drop(dataSource, SCHEMA);
    }

    @Test
    void aDuplicateArrivingAfterARestartIsStillRecognised() throws Exception {
        LedgerTopic.create(topic);
        ViewsSchemas.recreate(dataSource, SCHEMA);
        var account = new AccountEvents(AccountEvents.newAccountId());
        String lease = "lease-" + UUID.randomUUID();
        List<TollgateEvent> events = new ArrayList<>(List.of(account.opened("Restarted"), account.granted(5_000_000),
                account.leaseGranted(lease, 1_000_000)));
        events.addAll(account.succeededOnLease(lease, AccountEvents.newRequestId(), 90_000, 12_345));
        try (LedgerPublisher publisher = new LedgerPublisher(topic)) {
            var encoded = publisher.encode(events);
            publisher.send(encoded);
            LiveLedgerConsumer first = start();
            awaitDebited(12_345, "Restarted");
            first.stop();

            // The gateway's spill path sends the request's events again, then life goes on.
            publisher.send(encoded.subList(3, encoded.size()));
            publisher.publish(account.opened("Restarted, after"));
            start();
            awaitDebited(12_345, "Restarted, after");
        }
        assertThat(jdbc.sql("select count(*) from " + SCHEMA + ".ledger_lines where account_id = ?")
                .param(account.accountId()).query(Long.class).single()).isEqualTo(2);   // grant + one debit
        assertThat(jdbc.sql("select attempts from " + SCHEMA + ".requests where account_id = ?")
                .param(account.accountId()).query(Integer.class).single()).isEqualTo(1);
        int partition = LedgerTopic.partitionOf(account.accountId());
        assertThat(ViewTables.positions(jdbc, SCHEMA, topic).get(partition)).isEqualTo(LedgerTopic.endOffsets(topic).get(partition));
    }

    private LiveLedgerConsumer start() {
        KafkaProperties kafka = new KafkaProperties();
        kafka.setBootstrapServers(List.of(Infrastructure.kafkaBootstrap()));
        var consumer = new LiveLedgerConsumer(new ViewsProperties(topic, group, "x", 2_000, 1_000,
                Duration.ofMillis(10)), kafka, dataSource, new SimpleMeterRegistry(), SCHEMA);
        consumer.start();
        started.add(consumer);
        return consumer;
    }

    private void awaitDebited(long micros, String displayName) {
        await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            var row = jdbc.sql("select debited_micros, display_name from " + SCHEMA + ".accounts").query().listOfRows();
            assertThat(row).singleElement().satisfies(r -> {
                assertThat(r.get("display_name")).isEqualTo(displayName);
                assertThat(r.get("debited_micros")).isEqualTo(micros);
            });
        });
    }
}
