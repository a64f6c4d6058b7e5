package io.tollgate.ledger.requests;

import io.tollgate.ledger.api.RequestEventLog;
import io.tollgate.ledger.api.RequestEventLogUnavailable;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.tollgate.events.codec.EventCodec;
import io.tollgate.events.codec.EventType;
import io.tollgate.events.TollgateEvent;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * The request-event log of one gateway instance.
 * <p>
 * <b>Direct mode.</b> An append sends its records to the ledger topic (idempotent producer, acks=all) and completes
 * when all are acknowledged. Within one producer and partition the broker stores records in send order, and only a
 * gap-free prefix of them (sequence numbers), so what reaches the topic directly is a prefix of the sends of each
 * account.
 * <p>
 * <b>The fence.</b> When the oldest unacknowledged append has waited {@code ack-timeout}, or a send fails, the
 * instance fences: under the write lock it force-closes the producer (nothing more leaves it), switches to spill mode
 * and queues every unacknowledged append, in send order, for the spill table. Appends that follow are queued behind
 * them. One writer thread writes the queue in order, in batches, and completes the appends once committed.
 * <p>
 * <b>Back to direct.</b> The republisher (every instance runs one; a cluster-wide advisory lock lets one drain at a
 * time) publishes spill rows in sequence order and deletes them after acknowledgement. An instance returns to direct
 * sends only under the write lock, when its spill queue is empty and none of its rows is left in the table, i.e. all
 * of its spilled events are acknowledged on the topic; its new direct sends come after them.
 * <p>
 * So for each account, the first copy of every event on the topic is in append order: the direct prefix, then the
 * spilled rest, then what follows the switch back. Copies beyond the first (an event acknowledged late and also
 * spilled) are duplicates that consumers drop by event id. Order is kept between appends of one instance where one
 * call returned before the other began; appends of different instances to one account are not ordered.
 */
final class SpillingRequestEventLog implements RequestEventLog, SmartLifecycle, MeterBinder {
    private static final Logger log = LoggerFactory.getLogger(SpillingRequestEventLog.class);
    /** Starts before and stops after the web server (Boot's is DEFAULT_PHASE - 2048) and whatever draws on leases. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 8192;

    private enum Mode { DIRECT, SPILLING, STOPPED }

    private final RequestLogProperties properties;
    private final String topic;
    private final String instanceId;
    private final Supplier<Producer<String, byte[]>> producers;
    private final SpillTable spill;
    private final EventCodec codec = new EventCodec();
    private final long ackTimeoutNanos;
    private final long spillTimeoutNanos;
    /** How long the switch back to direct sends may hold appends: half the ack timeout, at least 50 ms. */
    private final Duration switchPause;

    /** Appends hold it shared while they check the mode and send; the fence and the switch back hold it exclusively. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile Mode mode = Mode.STOPPED;
    private volatile DirectChannel direct;
    private volatile boolean started;

    /** Direct appends in send order; acknowledged ones are dropped from the head by the watchdog. */
    private final ConcurrentLinkedQueue<PendingAppend> inflight = new ConcurrentLinkedQueue<>();
    /** Appends queued for the spill table, in spill order. */
    private final LinkedBlockingQueue<PendingAppend> spillQueue = new LinkedBlockingQueue<>();
    /** The same appends, for the watchdog that fails those past their deadline. */
    private final ConcurrentLinkedQueue<PendingAppend> awaitingSpill = new ConcurrentLinkedQueue<>();
    /** Queued or being written: the switch back waits for zero. Changed under the lock (shared is enough). */
    private final AtomicInteger spillOutstanding = new AtomicInteger();

    private ScheduledExecutorService watchdog;
    private ScheduledExecutorService republisher;
    private ThreadPoolExecutor quiet;
    private Thread writer;
    /** Owned by the republisher thread; becomes the direct producer at the switch back. */
    private Producer<String, byte[]> republishProducer;

    private final AtomicLong spilledEvents = new AtomicLong();
    private final AtomicLong republishedEvents = new AtomicLong();
    private final AtomicLong fences = new AtomicLong();
    private final AtomicLong switchesToDirect = new AtomicLong();
    private final AtomicLong failedAppends = new AtomicLong();
    private final AtomicLong droppedQuietAppends = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private volatile long spillRows;
    private volatile long lastRepublishWarning;

    public SpillingRequestEventLog(RequestLogProperties properties, String topic,
                                   Supplier<Producer<String, byte[]>> producers, SpillTable spill) {
        this.properties = properties;
        this.topic = topic;
        this.instanceId = properties.instanceId() == null || properties.instanceId().isBlank()
                ? "requests-" + java.util.UUID.randomUUID() : properties.instanceId();
        this.producers = producers;
        this.spill = spill;
        this.ackTimeoutNanos = properties.ackTimeout().toNanos();
        this.spillTimeoutNanos = properties.spillTimeout().toNanos();
        this.switchPause = properties.ackTimeout().dividedBy(2).compareTo(Duration.ofMillis(50)) < 0
                ? Duration.ofMillis(50) : properties.ackTimeout().dividedBy(2);
    }

    // ---------------------------------------------------------------- appending

    @Override
    public CompletableFuture<Void> append(String accountId, String leaseId, List<TollgateEvent> events) {
        List<EncodedEvent> encoded = encode(accountId, leaseId, events);
        EncodedEvent tooLarge = encoded.stream().filter(event -> event.payload().length > properties.maxEventBytes())
                .findFirst().orElse(null);
        if (tooLarge != null) {
            return refuseTooLarge(encoded, tooLarge);
        }
        long now = System.nanoTime();
        var append = new PendingAppend(encoded, now + ackTimeoutNanos, now + ackTimeoutNanos + spillTimeoutNanos);
        DirectChannel channel;
        lock.readLock().lock();
        try {
            switch (mode) {
                case STOPPED -> {
                    failedAppends.incrementAndGet();
                    return CompletableFuture.failedFuture(new RequestEventLogUnavailable("the request-event log is stopped"));
                }
                case SPILLING -> {
                    queueForSpill(append);
                    return append.future;
                }
                default -> channel = direct;
            }
            inflight.add(append);
            for (EncodedEvent event : encoded) {
                try {
                    channel.producer.send(event.toRecord(topic), (metadata, error) -> onAcknowledgement(append, channel, error));
                } catch (RuntimeException e) {
                    // Closed by a fence that is under way, or refused outright: the rest of this append must not be
                    // sent after a record that was not.
                    onAcknowledgement(append, channel, e);
                }
                if (append.sendFailed) {
                    break;
                }
            }
        } finally {
            lock.readLock().unlock();
        }
        if (append.sendFailed) {
            requestFence(channel);
        }
        return append.future;
    }

    @Override
    public void appendQuietly(String accountId, List<TollgateEvent> events) {
        try {
            quiet.execute(() -> {
                try {
                    append(accountId, null, events).whenComplete((ignored, error) -> {
                        if (error != null) {
                            log.warn("a quiet append for account {} failed: {}", accountId, error.toString());
                        }
                    });
                } catch (RuntimeException e) {
                    log.warn("a quiet append for account {} was refused: {}", accountId, e.toString());
                }
            });
        } catch (RejectedExecutionException | NullPointerException e) {
            droppedQuietAppends.incrementAndGet();
        } catch (RuntimeException e) {
            droppedQuietAppends.incrementAndGet();
            log.warn("a quiet append could not be handed off", e);
        }
    }

    private List<EncodedEvent> encode(String accountId, String leaseId, List<TollgateEvent> events) {
        Objects.requireNonNull(accountId, "accountId");
        if (events == null || events.isEmpty()) {
            throw new IllegalArgumentException("nothing to append");
        }
        List<EncodedEvent> encoded = new ArrayList<>(events.size());
        for (TollgateEvent event : events) {
            if (!accountId.equals(event.accountId())) {
                throw new IllegalArgumentException("event " + event.eventId() + " is of account " + event.accountId()
                        + ", not " + accountId);
            }
            EventType type = codec.typeOf(event);
            byte[] payload = codec.encode(event);
            encoded.add(new EncodedEvent(accountId, leaseId, event.eventId(), type.name(), type.currentVersion(), payload));
        }
        return encoded;
    }

    /** Runs on the producer's I/O thread, or on the caller's when send() fails at once. Takes no lock. */
    private void onAcknowledgement(PendingAppend append, DirectChannel channel, Exception error) {
        if (error == null) {
            if (append.unacknowledged.decrementAndGet() == 0) {
                append.future.complete(null);
            }
            return;
        }
        if (refusedForContent(error)) {
            append.refusal = error;
        }
        append.sendFailed = true;
        // Stop the producer now, before its I/O thread could retry later batches under a new epoch (which would let
        // them onto the topic without this one); the fence then spills everything unacknowledged.
        channel.kill();
        requestFence(channel);
    }

    private void requestFence(DirectChannel channel) {
        try {
            watchdog.execute(() -> fence(channel, false));
        } catch (RejectedExecutionException | NullPointerException stopping) {
            // stop() fences itself
        }
    }

    /** Switches to spill mode if the channel is still the direct one. */
    private void fence(DirectChannel channel, boolean stopping) {
        List<PendingAppend> refused = new ArrayList<>();
        try {
            fence(channel, stopping, refused);
        } finally {
            refused.forEach(this::deadLetter);
        }
    }

    private void fence(DirectChannel channel, boolean stopping, List<PendingAppend> refused) {
        lock.writeLock().lock();
        try {
            if (mode != Mode.DIRECT || direct != channel) {
                return;
            }
            channel.kill();
            mode = Mode.SPILLING;
            direct = null;
            if (!stopping) {
                fences.incrementAndGet();
            }
            int spilled = 0;
            for (PendingAppend append; (append = inflight.poll()) != null; ) {
                if (append.future.isDone()) {
                    continue;
                }
                if (append.refusal != null) {
                    refused.add(append);
                } else {
                    queueForSpill(append);
                    spilled++;
                }
            }
            if (!stopping) {
                log.warn("a send failed or the broker did not acknowledge request events within {}: {} appends go to "
                        + "the spill table, and so does every append until they are republished; {} refused by the "
                        + "broker fail", properties.ackTimeout(), spilled, refused.size());
            } else if (spilled > 0) {
                log.warn("stopping: {} appends the broker has not acknowledged go to the spill table", spilled);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Under the lock (shared or exclusive), so that the switch back sees every queued append. */
    private void queueForSpill(PendingAppend append) {
        spillOutstanding.incrementAndGet();
        awaitingSpill.add(append);
        spillQueue.add(append);
    }

    // ---------------------------------------------------------------- the watchdog

    private void watch() {
        try {
            long now = System.nanoTime();
            PendingAppend head;
            while ((head = inflight.peek()) != null && head.future.isDone()) {
                inflight.poll();
            }
            DirectChannel channel = direct;
            if (head != null && now - head.ackDeadline > 0 && channel != null) {
                fence(channel, false);
            }
            while ((head = awaitingSpill.peek()) != null) {
                if (head.future.isDone()) {
                    awaitingSpill.poll();
                } else if (now - head.deadline > 0) {
                    awaitingSpill.poll();
                    fail(head, "neither the broker nor PostgreSQL took the events within "
                            + properties.ackTimeout().plus(properties.spillTimeout()));
                } else {
                    break;
                }
            }
        } catch (RuntimeException e) {
            log.error("request-event log watchdog failed; it runs again", e);
        }
    }

    private void fail(PendingAppend append, String message) {
        if (append.future.completeExceptionally(new RequestEventLogUnavailable(message))) {
            failedAppends.incrementAndGet();
        }
    }

    /** An event the topic cannot take: the append fails at once, and its events are dead letters. */
    private CompletableFuture<Void> refuseTooLarge(List<EncodedEvent> encoded, EncodedEvent tooLarge) {
        String reason = tooLarge.type() + " " + tooLarge.eventId() + " encodes to " + tooLarge.payload().length
                + " bytes, more than the " + properties.maxEventBytes() + " the topic takes";
        try {
            spill.deadLetter("request-log", encoded.stream()
                    .map(event -> new SpillTable.DeadLetter(topic, event, reason)).toList());
            deadLettered.addAndGet(encoded.size());
        } catch (Exception e) {
            log.error("could not record {} request events as dead letters: {}", encoded.size(), e.toString());
        }
        log.error("request events of account {} are dead letters: {}", tooLarge.accountId(), reason);
        failedAppends.incrementAndGet();
        return CompletableFuture.failedFuture(new RequestEventLogUnavailable(reason));
    }

    /**
     * The broker refused one of the append's records for its content (larger than the topic takes, invalid): it would
     * be refused again from the spill table, and block every event behind it. Its events go to the dead letters and
     * the append fails, so that its request is not answered 2xx (it is not charged: its debit never reaches the
     * topic). Records of it that the broker did acknowledge stay on the topic; the dead letters hold them all.
     */
    private void deadLetter(PendingAppend append) {
        String reason = "refused by the broker: " + append.refusal;
        try {
            spill.deadLetter("request-log", append.events.stream()
                    .map(event -> new SpillTable.DeadLetter(topic, event, reason)).toList());
            deadLettered.addAndGet(append.events.size());
            log.error("request events of account {} were refused by the broker and are dead letters; the request "
                    + "fails: {}", append.events.getFirst().accountId(), append.refusal.toString());
        } catch (Exception e) {
            log.error("could not record {} refused request events as dead letters: {}", append.events.size(),
                    e.toString());
        }
        fail(append, reason);
    }

    /** Errors the broker (or the producer, before sending) gives for a record itself: retrying cannot help. */
    static boolean refusedForContent(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof RecordTooLargeException || cause instanceof RecordBatchTooLargeException
                    || cause instanceof InvalidRecordException) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- the spill writer

    private void writeSpill() {
        List<PendingAppend> batch = new ArrayList<>();
        while (true) {
            try {
                PendingAppend first = spillQueue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (!started && spillQueue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                spillQueue.drainTo(batch, properties.spillBatchSize() - 1);
                writeWithRetries(batch);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("request-event spill writer failed; it goes on", e);
            } finally {
                spillOutstanding.addAndGet(-batch.size());
                batch.clear();
            }
        }
    }

    private void writeWithRetries(List<PendingAppend> batch) throws InterruptedException {
        long backoffMillis = 10;
        while (true) {
            // Acknowledged late by the broker, or past their deadline: not written (the first are on the topic).
            List<PendingAppend> live = batch.stream().filter(append -> !append.future.isDone()).toList();
            if (live.isEmpty()) {
                return;
            }
            try {
                List<EncodedEvent> events = new ArrayList<>();
                live.forEach(append -> events.addAll(append.events));
                spill.insert(instanceId, topic, events);
                spilledEvents.addAndGet(events.size());
                live.forEach(append -> append.future.complete(null));
                return;
            } catch (Exception e) {
                long now = System.nanoTime();
                if (live.stream().allMatch(append -> now - append.deadline > 0)) {
                    log.error("could not spill {} request events to PostgreSQL in time; their appends fail",
                            live.size(), e);
                    live.forEach(append -> fail(append, "the broker did not acknowledge and PostgreSQL failed: " + e));
                    return;
                }
                log.warn("could not spill request events to PostgreSQL, retrying: {}", e.toString());
                Thread.sleep(backoffMillis);
                backoffMillis = Math.min(backoffMillis * 2, 200);
            }
        }
    }

    // ---------------------------------------------------------------- the republisher

    private void republish() {
        try {
            if (mode == Mode.DIRECT && !anySpillRows()) {
                return;
            }
            boolean published = false;
            while (true) {
                int drained = spill.drainOldest(properties.republishBatchSize(), this::publish);
                if (drained > 0) {
                    published = true;
                }
                if (drained < properties.republishBatchSize()) {
                    break;
                }
            }
            spillRows = spill.count();
            if (mode == Mode.SPILLING) {
                switchBackWhenDrained(published);
            }
        } catch (Exception e) {
            closeRepublishProducer();
            long now = System.nanoTime();
            if (now - lastRepublishWarning > TimeUnit.SECONDS.toNanos(10)) {
                lastRepublishWarning = now;
                log.warn("republishing spilled request events failed; retrying every {}: {}",
                        properties.republishInterval(), e.toString());
            }
        }
    }

    private boolean anySpillRows() throws Exception {
        long rows = spill.count();
        spillRows = rows;
        return rows > 0;
    }

    private SpillTable.Published publish(List<SpillTable.Row> rows) throws Exception {
        return publish(rows, System.nanoTime() + ackTimeoutNanos + TimeUnit.SECONDS.toNanos(1));
    }

    /**
     * Sends the rows and waits for the broker. A row it refuses for its content becomes a dead letter rather than
     * blocking the table; what is settled (acknowledged or refused) is the prefix before the first other failure,
     * so that the rows still leave in sequence order. Nothing settled: the failure is thrown.
     */
    private SpillTable.Published publish(List<SpillTable.Row> rows, long deadline) throws Exception {
        Producer<String, byte[]> producer = republishProducer();
        List<Future<RecordMetadata>> sends = new ArrayList<>(rows.size());
        List<SpillTable.Rejected> rejected = new ArrayList<>();
        for (SpillTable.Row row : rows) {
            // Spilled before the topic's limit was lowered, or by an instance configured otherwise: never sent.
            sends.add(row.event().payload().length > properties.maxEventBytes() ? null
                    : producer.send(row.event().toRecord(row.topic())));
        }
        int settled = 0;
        Exception failure = null;
        for (Future<RecordMetadata> send : sends) {
            if (send == null) {
                if (failure == null) {
                    SpillTable.Row row = rows.get(settled++);
                    rejected.add(new SpillTable.Rejected(row, "encodes to " + row.event().payload().length
                            + " bytes, more than the " + properties.maxEventBytes() + " the topic takes"));
                }
                continue;
            }
            try {
                send.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                if (failure == null && refusedForContent(e.getCause())) {
                    rejected.add(new SpillTable.Rejected(rows.get(settled), "refused by the broker: " + e.getCause()));
                } else if (failure == null) {
                    failure = e;
                }
            }
            if (failure == null) {
                settled++;
            }
        }
        if (!rejected.isEmpty()) {
            // The producer may have bumped its epoch for the refused batch: start the next round on a fresh one.
            closeRepublishProducer();
            deadLettered.addAndGet(rejected.size());
            log.error("{} spilled request events were refused by the broker for their content and are dead letters:"
                    + " {}", rejected.size(), rejected.getFirst().reason());
        }
        if (settled == 0 && failure != null) {
            throw failure;
        }
        republishedEvents.addAndGet(settled - rejected.size());
        return new SpillTable.Published(settled, rejected);
    }

    /** A producer that has fetched the topic's metadata: the broker answers. */
    private Producer<String, byte[]> republishProducer() {
        if (republishProducer == null) {
            Producer<String, byte[]> producer = producers.get();
            // max.block.ms is the request path's bound, short; this thread may wait longer for the first metadata,
            // which the producer keeps fetching after a partitionsFor() timed out.
            long deadline = System.nanoTime() + ackTimeoutNanos + TimeUnit.SECONDS.toNanos(1);
            while (true) {
                try {
                    producer.partitionsFor(topic);
                    break;
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    if (System.nanoTime() - deadline > 0) {
                        producer.close(Duration.ZERO);
                        throw e;
                    }
                } catch (RuntimeException e) {
                    producer.close(Duration.ZERO);
                    throw e;
                }
            }
            republishProducer = producer;
        }
        return republishProducer;
    }

    private void closeRepublishProducer() {
        if (republishProducer != null) {
            republishProducer.close(Duration.ZERO);
            republishProducer = null;
        }
    }

    /**
     * Returns to direct sends once this instance's spill is (nearly) drained. Under continuous load new appends keep
     * arriving in the spill, so it is never empty by itself: the last step pauses appends (the write lock) while the
     * writer finishes its queue and the last rows are published, at most {@link #switchPause}; then the instance's
     * spilled events are all acknowledged on the topic and new ones may follow them directly. A pause that runs out
     * changes nothing; the next round tries again.
     */
    private void switchBackWhenDrained(boolean publishedThisRound) throws Exception {
        if (spill.countOf(instanceId, properties.republishBatchSize() + 1) > properties.republishBatchSize()) {
            return; // catch up in ordinary rounds first
        }
        if (!publishedThisRound) {
            // Another instance drained our rows, or there were none: make sure the broker answers us now.
            closeRepublishProducer();
        }
        Producer<String, byte[]> producer = republishProducer();
        long deadline = System.nanoTime() + switchPause.toNanos();
        lock.writeLock().lock();
        try {
            if (mode != Mode.SPILLING) {
                return;
            }
            while (spillOutstanding.get() > 0) { // no append can queue now; the writer commits what is queued
                if (System.nanoTime() - deadline > 0) {
                    return;
                }
                Thread.sleep(1);
            }
            while (spill.hasRowsOf(instanceId)) {
                if (System.nanoTime() - deadline > 0
                        || spill.drainOldest(properties.republishBatchSize(), rows -> publish(rows, deadline)) < 0) {
                    return; // out of time, or another instance is draining: next round
                }
            }
            direct = new DirectChannel(producer);
            republishProducer = null;
            mode = Mode.DIRECT;
            switchesToDirect.incrementAndGet();
        } finally {
            lock.writeLock().unlock();
        }
        log.info("request events are republished; appends go straight to the broker again");
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public synchronized void start() {
        if (started) {
            return;
        }
        watchdog = Executors.newSingleThreadScheduledExecutor(daemon("tollgate-requests-watchdog"));
        republisher = Executors.newSingleThreadScheduledExecutor(daemon("tollgate-requests-republisher"));
        quiet = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(properties.quietQueueCapacity()), daemon("tollgate-requests-quiet"));
        started = true;
        writer = daemon("tollgate-requests-spill-writer").newThread(this::writeSpill);
        writer.start();
        boolean ownRowsLeft;
        try {
            ownRowsLeft = spill.hasRowsOf(instanceId);
        } catch (Exception e) {
            log.warn("could not check the spill table at start; starting with direct sends: {}", e.toString());
            ownRowsLeft = false;
        }
        lock.writeLock().lock();
        try {
            if (ownRowsLeft) {
                mode = Mode.SPILLING;
            } else {
                direct = new DirectChannel(producers.get());
                mode = Mode.DIRECT;
            }
        } finally {
            lock.writeLock().unlock();
        }
        DirectChannel channel = direct;
        if (channel != null) {
            // Fetch the topic's metadata now rather than in the first request's send().
            republisher.execute(() -> {
                try {
                    channel.producer.partitionsFor(topic);
                } catch (RuntimeException e) {
                    log.warn("no metadata for {} at start: {}", topic, e.toString());
                }
            });
        }
        long tick = Math.clamp(properties.ackTimeout().toNanos() / 20, TimeUnit.MILLISECONDS.toNanos(1),
                TimeUnit.MILLISECONDS.toNanos(100));
        watchdog.scheduleWithFixedDelay(this::watch, tick, tick, TimeUnit.NANOSECONDS);
        republisher.scheduleWithFixedDelay(this::republish, 0, properties.republishInterval().toNanos(),
                TimeUnit.NANOSECONDS);
    }

    /**
     * Lets what is under way finish: quiet appends are handed on, direct appends get their acknowledgement (or are
     * spilled), the spill queue is written; each within its bound. Appends after this fail at once.
     */
    @Override
    public synchronized void stop() {
        if (!started) {
            return;
        }
        quiet.shutdown();
        awaitQuietly(quiet, properties.ackTimeout());
        // Wait for the direct appends' acknowledgements, within the bound.
        List<CompletableFuture<Void>> pending = inflight.stream().map(append -> append.future).toList();
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                    .get(properties.ackTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException ignored) {
            // the fence below spills what is left
        }
        DirectChannel channel = direct;
        if (channel != null) {
            fence(channel, true); // what is still unacknowledged goes to the spill table
        }
        lock.writeLock().lock();
        try {
            mode = Mode.STOPPED;
            direct = null;
        } finally {
            lock.writeLock().unlock();
        }
        started = false;
        try {
            writer.join(properties.spillTimeout().toMillis() + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.interrupt();
        watchdog.shutdown();
        republisher.shutdown();
        awaitQuietly(watchdog, properties.ackTimeout());
        awaitQuietly(republisher, properties.ackTimeout().plusSeconds(1));
        republisher.shutdownNow();
        closeRepublishProducer();
        // Nothing is left to complete them.
        for (PendingAppend append; (append = awaitingSpill.poll()) != null; ) {
            fail(append, "the request-event log stopped before the events were spilled");
        }
    }

    @Override
    public boolean isRunning() {
        return started;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    private static void awaitQuietly(java.util.concurrent.ExecutorService executor, Duration bound) {
        try {
            executor.awaitTermination(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    // ---------------------------------------------------------------- state and metrics

    /** Rows in the spill table (every instance's) at the republisher's last look, plus this instance's queue. */
    public long spillBacklog() {
        return spillRows + spillOutstanding.get();
    }

    /** Whether this instance's appends go to the spill table rather than to the broker. */
    public boolean isSpilling() {
        return mode == Mode.SPILLING;
    }

    public String instanceId() {
        return instanceId;
    }

    public long spilledEvents() {
        return spilledEvents.get();
    }

    public long republishedEvents() {
        return republishedEvents.get();
    }

    /** Times this instance switched to spilling. */
    public long fences() {
        return fences.get();
    }

    /** Request events this instance recorded as dead letters. */
    public long deadLetteredEvents() {
        return deadLettered.get();
    }

    public long switchesToDirect() {
        return switchesToDirect.get();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("tollgate.requests.spilled", spilledEvents, AtomicLong::get)
                .description("request events written to the spill table because the broker did not acknowledge in time")
                .baseUnit("events").register(registry);
        FunctionCounter.builder("tollgate.requests.republished", republishedEvents, AtomicLong::get)
                .description("spilled request events published to the topic by this instance")
                .baseUnit("events").register(registry);
        FunctionCounter.builder("tollgate.requests.fences", fences, AtomicLong::get)
                .description("switches of this instance from direct sends to the spill table").register(registry);
        FunctionCounter.builder("tollgate.requests.failed", failedAppends, AtomicLong::get)
                .description("appends that neither the broker nor PostgreSQL took in time").register(registry);
        FunctionCounter.builder("tollgate.requests.dead.lettered", deadLettered, AtomicLong::get)
                .description("request events the broker refused for their content, recorded in ledger.dead_letters")
                .baseUnit("events").register(registry);
        FunctionCounter.builder("tollgate.requests.quiet.dropped", droppedQuietAppends, AtomicLong::get)
                .description("quiet appends dropped because their hand-off queue was full").register(registry);
        Gauge.builder("tollgate.requests.spill.backlog", this, SpillingRequestEventLog::spillBacklog)
                .description("request events waiting in the spill table (all instances) or this instance's queue")
                .baseUnit("events").register(registry);
        Gauge.builder("tollgate.requests.spilling", this, log -> log.isSpilling() ? 1 : 0)
                .description("1 while this instance appends to the spill table").register(registry);
    }

    // ---------------------------------------------------------------- parts

    private static final class PendingAppend {
        final List<EncodedEvent> events;
        final CompletableFuture<Void> future = new CompletableFuture<>();
        final AtomicInteger unacknowledged;
        final long ackDeadline;
        final long deadline;
        volatile boolean sendFailed;
        /** Why the broker refused one of its records for its content; null otherwise. */
        volatile Exception refusal;

        PendingAppend(List<EncodedEvent> events, long ackDeadline, long deadline) {
            this.events = events;
            this.unacknowledged = new AtomicInteger(events.size());
            this.ackDeadline = ackDeadline;
            this.deadline = deadline;
        }
    }

    /** The producer of direct sends, killed at most once (by a failed send or by the fence). */
    private static final class DirectChannel {
        final Producer<String, byte[]> producer;
        private final AtomicBoolean killed = new AtomicBoolean();

        DirectChannel(Producer<String, byte[]> producer) {
            this.producer = producer;
        }

        /** Aborts everything unsent; called from the producer's own thread it does not wait for that thread. */
        void kill() {
            if (killed.compareAndSet(false, true)) {
                producer.close(Duration.ZERO);
            }
        }
    }
}
