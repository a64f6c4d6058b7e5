package io.tollgate.ledger.requests;

import io.tollgate.ledger.api.RequestEventLog;
import io.tollgate.ledger.testing.LedgerTestApplication;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.tollgate.ledger.requests.RequestLogFixture.debited;
import static io.tollgate.ledger.requests.RequestLogFixture.newAccount;
import static org.assertj.core.api.Assertions.assertThat;

/** The command side as the gateway hosts it: the log starts and stops with the context, the tally reads what it wrote. */
class RequestLogWiringTest {

    @Test
    void theHostingContextStartsTheLog_andItsTallyReadsWhatItWrote() throws Exception {
        String topic = "tollgate.requests.wiring-test." + UUID.randomUUID();
        var context = LedgerTestApplication.start(topic, "--tollgate.requests.ack-timeout=2s");
        SpillingRequestEventLog log;
        try {
            log = (SpillingRequestEventLog) context.getBean(RequestEventLog.class);
            assertThat(log.isRunning()).isTrue();
            String account = newAccount();
            Instant granted = Instant.now();
            log.append(account, "lease-w", List.of(debited(account, "r1", 42, "lease-w"))).get(10, TimeUnit.SECONDS);
            assertThat(context.getBean(LeaseTally.class).tally(account, "lease-w", granted))
                    .isEqualTo(new LeaseTally.Tally(42, 1));
            assertThat(log.isSpilling()).isFalse();
        } finally {
            context.close();
        }
        assertThat(log.isRunning()).isFalse();
    }
}
