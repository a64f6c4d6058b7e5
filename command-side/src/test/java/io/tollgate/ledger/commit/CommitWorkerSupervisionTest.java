package io.tollgate.ledger.commit;

import io.tollgate.events.GrantSource;
import io.tollgate.ledger.api.Commands.GrantCredits;
import io.tollgate.ledger.api.Commands.OpenAccount;
import io.tollgate.ledger.testing.LedgerTestApplication;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A database that drops the ledger's connections mid-load (a PostgreSQL restart, an operator's
 * pg_terminate_backend) must not kill a commit worker: every caller gets an answer, success or failure,
 * within a bound, and every account is served again as soon as the database is. Before supervision, the
 * rollback on a closed connection threw out of the worker and every account of its shard hung forever.
 */
class CommitWorkerSupervisionTest {
    private static final String APPLICATION_NAME = "commit-supervision-" + UUID.randomUUID();
    private static final Duration ANSWER_BOUND = Duration.ofSeconds(10);
    private static final int ACCOUNTS = 12;

    private static ConfigurableApplicationContext ledger;
    private static CommandGateway commands;
    private static SingleConnectionDataSource operatorConnection;
    private static JdbcClient operator;

    @BeforeAll
    static void start() {
        // The operator's own connection, outside the application's pool, from which its backends are killed;
        // opened first, so that a database short of connection slots (shared by other suites) cannot refuse it.
        String configured = System.getenv("TOLLGATE_TEST_DB_URL");
        String url = configured == null || configured.isBlank()
                ? "jdbc:postgresql://127.0.0.1:5432/tollgate_test" : configured;
        operatorConnection = new SingleConnectionDataSource(url, "tollgate", "tollgate", true);
        operator = JdbcClient.create(operatorConnection);
        operator.sql("select 1").query(Integer.class).single();
        ledger = LedgerTestApplication.start("tollgate.ledger.supervision-test." + UUID.randomUUID(),
                "--spring.datasource.hikari.data-source-properties.ApplicationName=" + APPLICATION_NAME,
                "--tollgate.ledger.commit.shards=2");
        commands = ledger.getBean(CommandGateway.class);
    }

    @AfterAll
    static void stop() {
        if (operatorConnection != null) {
            operatorConnection.destroy();
        }
        if (ledger != null) {
            ledger.close();
        }
    }

    @Test
    void terminatedBackendsMidLoad_everyCallerIsAnswered_andEveryAccountIsServedAgain() throws Exception {
        List<String> accounts = new ArrayList<>();
        for (int i = 0; i < ACCOUNTS; i++) {
            String account = "acct-supervision-" + UUID.randomUUID();
            commands.sendAndWait(new OpenAccount(account, "Supervision", "test"));
            accounts.add(account);
        }
        var load = new AtomicBoolean(true);
        var answered = new AtomicInteger();
        var failed = new AtomicInteger();
        var unanswered = new AtomicInteger();
        ExecutorService callers = Executors.newFixedThreadPool(ACCOUNTS * 2);
        List<Future<?>> work = new ArrayList<>();
        try {
            for (int i = 0; i < ACCOUNTS * 2; i++) {
                String account = accounts.get(i % ACCOUNTS);
                work.add(callers.submit(() -> {
                    while (load.get()) {
                        switch (grant(account)) {
                            case ANSWERED -> answered.incrementAndGet();
                            case FAILED -> failed.incrementAndGet();
                            case UNANSWERED -> unanswered.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> answered.get() > 50);
            int killed = 0;
            for (int round = 0; round < 20; round++) {
                killed += terminateApplicationBackends();
                Thread.sleep(100);
            }
            assertThat(killed).as("backends terminated").isPositive();
            int answeredBeforeRecovery = answered.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> answered.get() > answeredBeforeRecovery + 50);
        } finally {
            load.set(false);
            callers.shutdown();
        }
        for (Future<?> caller : work) {
            caller.get(ANSWER_BOUND.toSeconds() * 2, TimeUnit.SECONDS);
        }
        assertThat(unanswered.get()).as("callers left waiting past %s (answered %d, failed %d)", ANSWER_BOUND,
                answered.get(), failed.get()).isZero();
        for (String account : accounts) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(grant(account)).as("account %s", account).isEqualTo(Outcome.ANSWERED));
        }
    }

    private enum Outcome { ANSWERED, FAILED, UNANSWERED }

    private static Outcome grant(String account) {
        try {
            commands.send(new GrantCredits(account, "grant-" + UUID.randomUUID(), 1, GrantSource.ADMIN, null, "test"))
                    .get(ANSWER_BOUND.toMillis(), TimeUnit.MILLISECONDS);
            return Outcome.ANSWERED;
        } catch (ExecutionException e) {
            return Outcome.FAILED;
        } catch (TimeoutException e) {
            return Outcome.UNANSWERED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.UNANSWERED;
        }
    }

    private static int terminateApplicationBackends() {
        return operator.sql("""
                        select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity
                                              where application_name = ? and pid <> pg_backend_pid()) t""")
                .param(APPLICATION_NAME)
                .query(Integer.class).single();
    }
}
