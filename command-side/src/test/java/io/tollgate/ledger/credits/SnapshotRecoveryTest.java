package io.tollgate.ledger.credits;

import io.tollgate.ledger.api.ReservationOutcome;
import io.tollgate.ledger.api.TokenUsage;
import io.tollgate.ledger.api.ModelRate;
import io.tollgate.events.GrantSource;
import io.tollgate.ledger.api.Commands.GrantCredits;
import io.tollgate.ledger.api.Commands.OpenAccount;
import io.tollgate.ledger.api.Commands.ReserveCredits;
import io.tollgate.ledger.api.Commands.SettleRequest;
import io.tollgate.ledger.testing.LedgerTestApplication;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.common.caching.Cache;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import javax.sql.DataSource;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** An account that left the cache comes back from its snapshot plus later events, with its credit intact. */
class SnapshotRecoveryTest {
    private static final ModelRate RATE = new ModelRate(1_000_000, 1_000_000);
    private static final long COST = 20;
    private static ConfigurableApplicationContext ledger;

    @BeforeAll
    static void start() {
        ledger = LedgerTestApplication.start("tollgate.ledger.snapshot-test." + UUID.randomUUID(),
                "--tollgate.ledger.commit.snapshot-every=20");
    }

    @AfterAll
    static void stop() {
        if (ledger != null) {
            ledger.close();
        }
    }

    @Test
    void anEvictedAccountIsRebuiltFromItsSnapshotWithTheRightBalance() {
        CommandGateway commands = ledger.getBean(CommandGateway.class);
        String account = "acct-snapshot-" + UUID.randomUUID();
        commands.sendAndWait(new OpenAccount(account, "Snapshots", "test"));
        commands.sendAndWait(new GrantCredits(account, "g-1", 40 * COST, GrantSource.ADMIN, null, "test"));
        assertThat(attempt(commands, account, 30)).isEqualTo(30);

        JdbcClient jdbc = JdbcClient.create(ledger.getBean(DataSource.class));
        await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.sql(
                        "select count(*) from ledger.snapshot_event_entry where aggregate_identifier = ?")
                .param(account).query(Long.class).single() > 0);
        ledger.getBean("creditAccountCache", Cache.class).removeAll();

        assertThat(attempt(commands, account, 15)).as("the 10 requests the remaining credit pays for").isEqualTo(10);
    }

    private static int attempt(CommandGateway commands, String account, int requests) {
        int succeeded = 0;
        for (int i = 0; i < requests; i++) {
            String requestId = "req-" + UUID.randomUUID();
            ReservationOutcome outcome = commands.sendAndWait(new ReserveCredits(account, requestId, "key", "mock", "m",
                    "openai.chat", false, 10, 10, 10, 10, RATE, Duration.ofMinutes(10)));
            if (outcome instanceof ReservationOutcome.Reserved) {
                commands.sendAndWait(new SettleRequest(account, requestId, "mock", "m",
                        new TokenUsage(10, 10, 0, 0, false), List.of()));
                succeeded++;
            }
        }
        return succeeded;
    }
}
