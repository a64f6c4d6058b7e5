package io.tollgate.gateway.testing;

import java.time.Duration;

import static org.awaitility.Awaitility.await;

/**
 * The test publisher starts at the newest event when its tracking processor first runs; on a loaded
 * machine that can be after a test's first events were stored, which then never reach the topic. Tests
 * that read the topic wait once per JVM until an event of their own arrives.
 */
public final class LedgerWarmup {
    private static volatile boolean publishing;

    private LedgerWarmup() {
    }

    public static synchronized void awaitPublishing(GatewayHttp gateway, LedgerTopicReader ledger) {
        if (publishing) {
            return;
        }
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            String accountId = gateway.openAccountWithCredits("1").id();
            return waitBriefly(ledger, accountId);
        });
        publishing = true;
    }

    private static boolean waitBriefly(LedgerTopicReader ledger, String accountId) {
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> !ledger.recordsOfAccount(accountId).isEmpty());
            return true;
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            return false;
        }
    }
}
