package io.tollgate.ledger.requests;

import io.tollgate.ledger.api.RequestEventLogUnavailable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * The request-event log ({@code tollgate.requests.*}). An append completes, one way or the other, within
 * {@code ack-timeout + spill-timeout} (plus one watchdog tick, a twentieth of the ack timeout).
 *
 * @param ackTimeout         how long an append waits for the broker's acknowledgement before its events go to the spill
 *                           table; the first append that waits this long switches the instance to spilling
 * @param spillTimeout       how long, after that, writing to the spill table may take before the append fails with
 *                           {@link RequestEventLogUnavailable}
 * @param maxBlock           the producer's {@code max.block.ms}: how long {@code send()} may block a request thread
 *                           (missing metadata, full buffer); at most the ack timeout
 * @param linger             the producer's {@code linger.ms}: 0 keeps one caller's wait lowest (the producer still
 *                           batches what queues while a request is in flight); 1ms triples appends/s at 64 callers
 *                           on 2 cores for about 1 ms more per append
 * @param batchBytes         the producer's {@code batch.size}
 * @param maxEventBytes      an encoded event larger than this is refused at append (it could never leave the spill): its
 *                           append fails and its events are recorded in {@code ledger.dead_letters}. Lowered at start
 *                           to what the topic takes ({@code max.message.bytes} less 1 KiB), as is {@code batch-bytes}
 * @param spillBatchSize     appends written to the spill table in one transaction at most
 * @param republishInterval  pause between two rounds of the republisher (it drains the spill table of every instance)
 * @param republishBatchSize spill rows published and deleted per transaction
 * @param quietQueueCapacity quiet appends waiting for their hand-off; beyond it they are dropped and counted
 * @param tallyTimeout       how long a lease tally may take
 * @param tallyMargin        how far before a lease's grant time a tally starts reading (clock skew between instances)
 * @param instanceId         this instance's name on its spill rows; default a random one per start. A stable name
 *                           (e.g. the pod name) lets a restarted instance start in spill mode while its old rows
 *                           are not yet republished, so that its new events never overtake them.
 */
@ConfigurationProperties("tollgate.requests")
record RequestLogProperties(@DefaultValue("1500ms") Duration ackTimeout,
                                   @DefaultValue("2s") Duration spillTimeout,
                                   @DefaultValue("500ms") Duration maxBlock,
                                   @DefaultValue("0ms") Duration linger,
                                   @DefaultValue("65536") int batchBytes,
                                   @DefaultValue("900000") int maxEventBytes,
                                   @DefaultValue("512") int spillBatchSize,
                                   @DefaultValue("500ms") Duration republishInterval,
                                   @DefaultValue("500") int republishBatchSize,
                                   @DefaultValue("10000") int quietQueueCapacity,
                                   @DefaultValue("10s") Duration tallyTimeout,
                                   @DefaultValue("30s") Duration tallyMargin,
                                   String instanceId) {

    public RequestLogProperties {
        requirePositive(ackTimeout, "ack-timeout");
        requirePositive(spillTimeout, "spill-timeout");
        requirePositive(maxBlock, "max-block");
        requirePositive(republishInterval, "republish-interval");
        requirePositive(tallyTimeout, "tally-timeout");
        if (maxBlock.compareTo(ackTimeout) > 0) {
            throw new IllegalArgumentException("tollgate.requests.max-block must not exceed ack-timeout");
        }
        if (linger.isNegative() || tallyMargin.isNegative()) {
            throw new IllegalArgumentException("tollgate.requests.linger and tally-margin must not be negative");
        }
        if (batchBytes < 1 || maxEventBytes < 1 || spillBatchSize < 1 || republishBatchSize < 1 || quietQueueCapacity < 1) {
            throw new IllegalArgumentException("tollgate.requests sizes must be positive");
        }
    }

    /** The defaults, for code that builds a log without Spring (tests, tools). */
    public static RequestLogProperties defaults() {
        return new RequestLogProperties(Duration.ofMillis(1500), Duration.ofSeconds(2), Duration.ofMillis(500),
                Duration.ZERO, 65536, 900_000, 512, Duration.ofMillis(500), 500, 10_000,
                Duration.ofSeconds(10), Duration.ofSeconds(30), null);
    }

    public RequestLogProperties withAckTimeout(Duration ackTimeout, Duration maxBlock) {
        return new RequestLogProperties(ackTimeout, spillTimeout, maxBlock, linger, batchBytes, maxEventBytes,
                spillBatchSize, republishInterval, republishBatchSize, quietQueueCapacity, tallyTimeout, tallyMargin,
                instanceId);
    }

    public RequestLogProperties withSpillTimeout(Duration spillTimeout) {
        return new RequestLogProperties(ackTimeout, spillTimeout, maxBlock, linger, batchBytes, maxEventBytes,
                spillBatchSize, republishInterval, republishBatchSize, quietQueueCapacity, tallyTimeout, tallyMargin,
                instanceId);
    }

    public RequestLogProperties withLinger(Duration linger) {
        return new RequestLogProperties(ackTimeout, spillTimeout, maxBlock, linger, batchBytes, maxEventBytes,
                spillBatchSize, republishInterval, republishBatchSize, quietQueueCapacity, tallyTimeout, tallyMargin,
                instanceId);
    }

    public RequestLogProperties withSizes(int batchBytes, int maxEventBytes) {
        return new RequestLogProperties(ackTimeout, spillTimeout, maxBlock, linger, batchBytes, maxEventBytes,
                spillBatchSize, republishInterval, republishBatchSize, quietQueueCapacity, tallyTimeout, tallyMargin,
                instanceId);
    }

    public RequestLogProperties withRepublishInterval(Duration republishInterval) {
        return new RequestLogProperties(ackTimeout, spillTimeout, maxBlock, linger, batchBytes, maxEventBytes,
                spillBatchSize, republishInterval, republishBatchSize, quietQueueCapacity, tallyTimeout, tallyMargin,
                instanceId);
    }

    private static void requirePositive(Duration value, String name) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("tollgate.requests." + name + " must be positive");
        }
    }
}
