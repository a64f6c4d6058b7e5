package io.tollgate.ledger.commit;

import io.tollgate.events.GrantSource;
import io.tollgate.ledger.api.Commands.GrantCredits;
import io.tollgate.ledger.api.Commands.OpenAccount;
import io.tollgate.ledger.api.CreditLeases.LedgerUnavailable;
import io.tollgate.ledger.api.Ledger;
import io.tollgate.ledger.testing.LedgerTestApplication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A command whose caller was told "unavailable" must not take effect later: an admin who retries a grant
 * answered 503 (with a fresh grant id, as a grant without an Idempotency-Key gets) would otherwise be
 * granted twice. Here the account is locked by another connection, as a stuck instance would hold it, so
 * the grant waits in its shard's queue past its caller's bound.
 */
class AbandonedCommandTest {
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(1);

    private static ConfigurableApplicationContext instance;
    private static Ledger ledger;

    @BeforeAll
    static void start() {
        instance = LedgerTestApplication.start("tollgate.ledger.abandon-test." + UUID.randomUUID(),
                "--tollgate.ledger.commit.answer-timeout=" + ANSWER_TIMEOUT.toMillis() + "ms");
        ledger = instance.getBean(Ledger.class);
    }

    @AfterAll
    static void stop() {
        if (instance != null) {
            instance.close();
        }
    }

    @Test
    void aGrantStillQueuedWhenItsCallerGivesUp_neverRuns() throws Exception {
        String account = "acct-abandon-" + UUID.randomUUID();
        ledger.openAccount(new OpenAccount(account, "Abandon", "test"));
        String url = System.getenv().getOrDefault("TOLLGATE_TEST_DB_URL", "jdbc:postgresql://127.0.0.1:5432/tollgate_test");
        try (Connection holder = DriverManager.getConnection(url, "tollgate", "tollgate")) {
            holder.setAutoCommit(false);
            try (var lock = holder.prepareStatement("select pg_advisory_xact_lock(hashtextextended(?, 0))")) {
                lock.setString(1, account);
                lock.execute();
            }
            long started = System.nanoTime();
            assertThatThrownBy(() -> ledger.grant(grant(account, "grant-abandoned")))
                    .isInstanceOf(LedgerUnavailable.class)
                    .hasMessageContaining("will not run");
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .as("answered at its bound, not after a second wait")
                    .isLessThan(ANSWER_TIMEOUT.multipliedBy(2));
            holder.rollback();
        }

        // The shard runs on past the abandoned grant: the next command commits, and the abandoned grant's id
        // is new to the account, so sending it again grants it (a grant seen before answers false).
        assertThat(ledger.grant(grant(account, "grant-after"))).isTrue();
        assertThat(ledger.grant(grant(account, "grant-abandoned"))).as("the abandoned grant never ran").isTrue();
        assertThat(ledger.grant(grant(account, "grant-abandoned"))).as("a grant seen before").isFalse();
    }

    private static GrantCredits grant(String account, String grantId) {
        return new GrantCredits(account, grantId, 1_000_000, GrantSource.ADMIN, null, "test");
    }
}
