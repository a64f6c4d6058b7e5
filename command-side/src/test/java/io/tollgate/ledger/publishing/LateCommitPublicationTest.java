package io.tollgate.ledger.publishing;

import io.tollgate.events.LeaseGranted;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An event whose transaction commits late is still published and projected. The tracking processors read the
 * store by global index; an index allocated before a later one but committed after it used to be a gap that
 * Axon gives up on once more than 250 gaps have piled up and the events around it are older than its gap timeout
 * (60 s), or once it is 10,000 indexes back: the event was then never published, never scheduled for expiry.
 */
class LateCommitPublicationTest {
    private static PublicationFixture ledger;

    @BeforeAll
    static void start() {
        ledger = new PublicationFixture();
    }

    @AfterAll
    static void stop() {
        if (ledger != null) {
            ledger.close();
        }
    }

    @Test
    void anEventCommittedAfterLaterOnesWereReadIsPublishedAndScheduled() throws Exception {
        LeaseGranted late = PublicationFixture.leaseGranted(Instant.now());
        // Older than the gap timeout, as every event is once the publisher comes back from a minute's outage
        // or once an append's commit was held up that long.
        LeaseGranted later = PublicationFixture.leaseGranted(Instant.now().minus(Duration.ofMinutes(5)));
        LeaseGranted next = PublicationFixture.leaseGranted(Instant.now());
        var lateAppended = new CountDownLatch(1);
        var commitLate = new CountDownLatch(1);

        // Threads of their own: the common pool may have a single thread on a small machine.
        Future<?> lateTransaction = CompletableFuture.runAsync(() -> ledger.transactions.executeWithoutResult(status -> {
            ledger.append(late);
            lateAppended.countDown();
            awaitLatch(commitLate);
        }), Thread::startVirtualThread);
        assertThat(lateAppended.await(30, TimeUnit.SECONDS)).isTrue();
        Future<?> laterTransactions = CompletableFuture.runAsync(() -> {
            // A group-commit batch that failed: its indexes are never used. Axon drops gaps older than its gap
            // timeout only once a token holds more than 250 of them.
            ledger.transactions.executeWithoutResult(status -> {
                for (int i = 0; i < 300; i++) {
                    ledger.append(PublicationFixture.leaseGranted(Instant.now()));
                }
                status.setRollbackOnly();
            });
            ledger.appendCommitted(later);
        }, Thread::startVirtualThread);
        // Each: either the later events overtook the open transaction and were published, or their appends wait
        // for it.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> ledger.isPublished(later.eventId()) || ledger.advisoryLockWaiters() > 0);
        Future<?> nextTransaction = CompletableFuture.runAsync(() -> ledger.appendCommitted(next),
                Thread::startVirtualThread);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> ledger.isPublished(next.eventId()) || ledger.advisoryLockWaiters() > 0);
        commitLate.countDown();
        PublicationFixture.finish(lateTransaction);
        PublicationFixture.finish(laterTransactions);
        PublicationFixture.finish(nextTransaction);

        await().atMost(Duration.ofSeconds(30)).until(() -> ledger.isPublished(later.eventId()));
        await().atMost(Duration.ofSeconds(30)).until(() -> ledger.isPublished(next.eventId()));
        await().atMost(Duration.ofSeconds(30)).until(() -> ledger.isPublished(late.eventId()));
        await().atMost(Duration.ofSeconds(30)).until(() -> ledger.leaseDueAt(late).isPresent());
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(1, TimeUnit.MINUTES)) {
                throw new IllegalStateException("the test never let the late transaction commit");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
