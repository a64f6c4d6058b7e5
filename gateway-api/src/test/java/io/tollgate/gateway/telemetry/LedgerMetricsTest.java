package io.tollgate.gateway.telemetry;

import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.EventIds;
import io.tollgate.events.TokensConsumed;
import io.tollgate.gateway.GatewayTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The usage meters move only when the transaction that stored the events commits: events of a
 * rolled-back transaction (a group-commit batch that is aborted and run again) are never counted.
 * Uses the application's own transaction manager, on the real database.
 */
class LedgerMetricsTest extends GatewayTestBase {
    @Autowired
    LedgerMetrics metrics;
    @Autowired
    MeterRegistry registry;
    @Autowired
    PlatformTransactionManager transactions;

    @Test
    void eventsOfARolledBackTransactionAreNotCountedAndOfACommittedOneOnceAfterTheCommit() {
        String provider = "tx" + UUID.randomUUID().toString().substring(0, 8);
        var tx = new TransactionTemplate(transactions);

        tx.executeWithoutResult(status -> {
            metrics.on(tokens(provider, 7, 3));
            metrics.on(debit(provider, 500));
            status.setRollbackOnly();
        });
        assertThat(debited(provider)).as("rolled back: nothing counted").isZero();
        assertThat(registry.find(LedgerMetrics.TOKEN_USAGE).tag(LedgerMetrics.PROVIDER, provider).summaries())
                .allSatisfy(summary -> assertThat(summary.count()).isZero());

        tx.executeWithoutResult(status -> {
            metrics.on(tokens(provider, 7, 3));
            metrics.on(debit(provider, 500));
            assertThat(debited(provider)).as("not before the commit").isZero();
        });
        assertThat(debited(provider)).isEqualTo(500);
        assertThat(registry.get(LedgerMetrics.TOKEN_USAGE).tag(LedgerMetrics.PROVIDER, provider)
                .tag(LedgerMetrics.TOKEN_TYPE, "input").summary().totalAmount()).isEqualTo(7);
        assertThat(registry.get(LedgerMetrics.TOKEN_USAGE).tag(LedgerMetrics.PROVIDER, provider)
                .tag(LedgerMetrics.TOKEN_TYPE, "output").summary().totalAmount()).isEqualTo(3);

        // Outside a transaction (no Spring transaction on the thread) an event is counted at once.
        metrics.on(debit(provider, 1));
        assertThat(debited(provider)).isEqualTo(501);
    }

    private double debited(String provider) {
        var counter = registry.find(LedgerMetrics.CREDITS_DEBITED).tag(LedgerMetrics.PROVIDER, provider).counter();
        return counter == null ? 0 : counter.count();
    }

    private static TokensConsumed tokens(String provider, long input, long output) {
        return new TokensConsumed(EventIds.next(), Instant.now(), "acct-metrics", "req_" + EventIds.next(), provider,
                "gpt-4o", input, output, 0, 0, false);
    }

    private static CreditsDebited debit(String provider, long micros) {
        return new CreditsDebited(EventIds.next(), Instant.now(), "acct-metrics", "req_" + EventIds.next(), micros,
                provider, "gpt-4o");
    }
}
