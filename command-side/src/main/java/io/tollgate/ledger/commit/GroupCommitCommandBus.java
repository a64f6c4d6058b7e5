package io.tollgate.ledger.commit;

import io.tollgate.ledger.api.LedgerOutages;
import org.axonframework.commandhandling.CommandBus;
import org.axonframework.commandhandling.CommandCallback;
import org.axonframework.commandhandling.CommandMessage;
import org.axonframework.commandhandling.CommandResultMessage;
import org.axonframework.commandhandling.GenericCommandResultMessage;
import org.axonframework.commandhandling.SimpleCommandBus;
import org.axonframework.common.Registration;
import org.axonframework.common.caching.Cache;
import org.axonframework.eventsourcing.eventstore.EventStoreException;
import org.axonframework.messaging.MessageDispatchInterceptor;
import org.axonframework.messaging.MessageHandler;
import org.axonframework.messaging.MessageHandlerInterceptor;
import org.axonframework.modelling.command.AnnotationCommandTargetResolver;
import io.tollgate.ledger.store.AccountLocks;
import org.axonframework.modelling.command.CommandTargetResolver;
import org.axonframework.modelling.command.ConcurrencyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Group commit for commands. Commands are routed by aggregate id to a fixed set of shards; each shard
 * runs whatever has queued up in ONE database transaction and completes the callers only after it
 * committed. Every command still runs in its own Axon unit of work; see {@link Shard#runBatch} for
 * how one failing command is kept from failing the others.
 * <p>
 * Under load this turns a commit per command into a commit per batch; with no load a batch is one
 * command and nothing waits. Because an aggregate always maps to the same shard, its commands stay in
 * order and never contend for its lock.
 * <p>
 * A caller that stopped waiting may {@link #abandon} its command: one that has not started by then never
 * runs, so that a caller told "unavailable, retry" is not also granted, later, what it asked for.
 */
class GroupCommitCommandBus implements CommandBus, SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(GroupCommitCommandBus.class);
    /** A conflicting append (another instance wrote first) is retried on the freshly loaded aggregate. */
    private static final int ATTEMPTS_PER_COMMAND = 20;

    private final SimpleCommandBus local;
    private final PlatformTransactionManager transactions;
    private final Cache aggregateCache;
    private final BatchedAppendStorageEngine appends;
    private final AccountLocks locks;
    private final CommitHealthRecorder health;
    private final CommandTargetResolver targets = AnnotationCommandTargetResolver.builder().build();
    private final List<Shard> shards = new ArrayList<>();
    /** Commands queued on a shard and not yet answered, by message identifier: what {@link #abandon} can reach. */
    private final Map<String, Pending<?, ?>> unanswered = new ConcurrentHashMap<>();
    private final int maxBatch;
    private volatile boolean running;

    public GroupCommitCommandBus(SimpleCommandBus local, PlatformTransactionManager transactions, Cache aggregateCache,
                                 BatchedAppendStorageEngine appends, AccountLocks locks, CommitHealthRecorder health,
                                 int shardCount, int maxBatch) {
        this.local = local;
        this.transactions = transactions;
        this.aggregateCache = aggregateCache;
        this.appends = appends;
        this.locks = locks;
        this.health = health;
        this.maxBatch = maxBatch;
        for (int i = 0; i < shardCount; i++) {
            shards.add(new Shard(i));
        }
    }

    @Override
    public <C> void dispatch(CommandMessage<C> command) {
        dispatch(command, (message, result) -> {
        });
    }

    @Override
    public <C, R> void dispatch(CommandMessage<C> command, CommandCallback<? super C, ? super R> callback) {
        String aggregateId = aggregateIdOf(command);
        if (aggregateId == null || !running) {
            local.dispatch(command, callback);
            return;
        }
        var pending = new Pending<>(command, callback, aggregateId);
        unanswered.put(command.getIdentifier(), pending);
        shards.get(Math.floorMod(aggregateId.hashCode(), shards.size())).queue.add(pending);
    }

    /**
     * Makes sure a command its caller no longer waits for does not run, if it has not started yet.
     *
     * @return true when it will never run; false when it has started (or already ran, or bypassed the
     *         shards): its outcome comes through its callback as usual
     */
    boolean abandon(String commandIdentifier) {
        Pending<?, ?> pending = unanswered.get(commandIdentifier);
        if (pending == null || !pending.abandon()) {
            return false;
        }
        unanswered.remove(commandIdentifier, pending);
        return true;
    }

    private String aggregateIdOf(CommandMessage<?> command) {
        try {
            return targets.resolveTarget(command).getIdentifier();
        } catch (IllegalArgumentException noTarget) {
            return null;
        }
    }

    @Override
    public Registration subscribe(String commandName, MessageHandler<? super CommandMessage<?>> handler) {
        return local.subscribe(commandName, handler);
    }

    @Override
    public Registration registerHandlerInterceptor(MessageHandlerInterceptor<? super CommandMessage<?>> interceptor) {
        return local.registerHandlerInterceptor(interceptor);
    }

    @Override
    public Registration registerDispatchInterceptor(
            MessageDispatchInterceptor<? super CommandMessage<?>> dispatchInterceptor) {
        return local.registerDispatchInterceptor(dispatchInterceptor);
    }

    @Override
    public void start() {
        running = true;
        shards.forEach(Shard::start);
    }

    @Override
    public void stop() {
        running = false;
        shards.forEach(Shard::stop);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Before Axon's components stop, after they start: commands need the event store on both sides. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE / 2;
    }

    private final class Pending<C, R> {
        private static final int QUEUED = 0;
        private static final int STARTED = 1;
        private static final int ABANDONED = 2;

        private final CommandMessage<C> command;
        private final CommandCallback<? super C, ? super R> callback;
        private final String aggregateId;
        /** A caller is answered once, whichever path of its batch gets there first. */
        private final AtomicBoolean answered = new AtomicBoolean();
        /** Whether the worker or the caller's {@link #abandon} came first. */
        private final AtomicInteger state = new AtomicInteger(QUEUED);

        Pending(CommandMessage<C> command, CommandCallback<? super C, ? super R> callback, String aggregateId) {
            this.command = command;
            this.callback = callback;
            this.aggregateId = aggregateId;
        }

        CommandMessage<C> command() {
            return command;
        }

        String aggregateId() {
            return aggregateId;
        }

        /** Called by the worker just before it runs the command: false when its caller abandoned it. */
        boolean start() {
            return state.get() == STARTED || state.compareAndSet(QUEUED, STARTED);
        }

        boolean abandon() {
            return state.compareAndSet(QUEUED, ABANDONED);
        }

        boolean abandoned() {
            return state.get() == ABANDONED;
        }

        @SuppressWarnings("unchecked")
        void complete(CommandResultMessage<?> result) {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            unanswered.remove(command.getIdentifier(), this);
            try {
                callback.onResult(command, (CommandResultMessage<? extends R>) result);
            } catch (RuntimeException callbackFailed) {
                log.warn("the callback of command {} failed: {}", command.getCommandName(), callbackFailed.toString());
            }
        }

        void fail(Throwable failure) {
            complete(GenericCommandResultMessage.asCommandResultMessage(failure));
        }

        void dispatchUnbatched(SimpleCommandBus bus) {
            if (start()) {
                unanswered.remove(command.getIdentifier(), this);
                bus.dispatch(command, callback);
            }
        }
    }

    private final class Shard implements Runnable {
        private final BlockingQueue<Pending<?, ?>> queue = new LinkedBlockingQueue<>();
        private final String name;
        private volatile Thread thread;

        Shard(int index) {
            this.name = "ledger-commit-" + index;
        }

        void start() {
            thread = Thread.ofPlatform().name(name).daemon().start(this);
        }

        void stop() {
            Thread current = thread;
            if (current != null) {
                current.interrupt();
            }
        }

        /**
         * Nothing a batch throws ends this loop: its callers are answered and the next batch runs. Should
         * the thread end anyway while the bus runs, a fresh one takes over the queue, so that no account of
         * this shard waits for a worker that is gone.
         */
        @Override
        public void run() {
            boolean stoppedInOrder = false;
            try {
                List<Pending<?, ?>> batch = new ArrayList<>(maxBatch);
                while (running || !queue.isEmpty()) {
                    try {
                        batch.add(queue.take());
                    } catch (InterruptedException stopping) {
                        if (queue.isEmpty()) {
                            break;
                        }
                        continue;
                    }
                    queue.drainTo(batch, maxBatch - 1);
                    try {
                        runBatch(batch);
                    } catch (Throwable unexpected) {
                        failUnexpectedly(batch, unexpected);
                    } finally {
                        batch.clear();
                    }
                }
                // Whatever arrived during shutdown runs unbatched rather than hanging its caller.
                Pending<?, ?> leftover;
                while ((leftover = queue.poll()) != null) {
                    leftover.dispatchUnbatched(local);
                }
                stoppedInOrder = true;
            } finally {
                if (!stoppedInOrder && running) {
                    log.error("commit worker {} ended unexpectedly; a new one takes over its queue", name);
                    start();
                }
            }
        }

        /** The batch failed past the paths that answer its callers (an Error, a bug): they are answered here. */
        private void failUnexpectedly(List<Pending<?, ?>> batch, Throwable unexpected) {
            try {
                log.error("a commit batch of {} commands failed unexpectedly; its callers are told", batch.size(),
                        unexpected);
                health.failed(unexpected);
                appends.discard();
                forgetTransactionState();
                batch.forEach(pending -> aggregateCache.remove(pending.aggregateId()));
            } finally {
                batch.forEach(pending -> pending.fail(unexpected));
            }
        }

        /**
         * One transaction and one statement batch for the events of all commands. A command that fails
         * in its handler (a rejected grant, say) has written nothing and simply reports its failure.
         * A conflict in the database (another instance appended to an account first) aborts the batch:
         * it is rolled back and every command of it runs again on its own. A lost database fails every
         * caller of the batch at once.
         */
        private void runBatch(List<Pending<?, ?>> batch) {
            // Behind a database that is away every batch waits out the pool's connection timeout: commands
            // whose callers gave up meanwhile do not cost the ones behind them another wait.
            batch.removeIf(Pending::abandoned);
            if (batch.isEmpty()) {
                return;
            }
            List<CommandResultMessage<?>> results = new ArrayList<>(batch.size());
            TransactionStatus transaction = null;
            try {
                transaction = transactions.getTransaction(TransactionDefinition.withDefaults());
                appends.collect();
                lockAccounts(batch.stream().map(Pending::aggregateId).distinct().sorted().toList());
                for (Pending<?, ?> pending : batch) {
                    if (!pending.start()) {
                        results.add(null);
                        continue;
                    }
                    CommandResultMessage<?> result = execute(pending.command());
                    if (result.isExceptional() && failedInTheDatabase(result.exceptionResult())) {
                        throw new BatchAborted(result.exceptionResult());
                    }
                    results.add(result);
                }
                if (appends.flush() == 0) {
                    // With events, the append itself would have failed on an aborted transaction.
                    locks.verifyTransactionIntact();
                }
                transactions.commit(transaction);
            } catch (RuntimeException failure) {
                appends.discard();
                rollbackQuietly(transaction);
                // The cached aggregates hold events that never reached the store.
                batch.forEach(pending -> aggregateCache.remove(pending.aggregateId()));
                if (LedgerOutages.lostTheDatabase(failure)) {
                    // Run alone, each command would wait for a connection in turn; its caller hears now and
                    // may retry. A commit cut off on its way may still have landed: the outcome is unknown.
                    log.warn("a commit batch of {} commands failed, the database is unreachable: {}", batch.size(),
                            rootMessage(failure));
                    health.failed(failure);
                    batch.forEach(pending -> pending.fail(failure));
                    return;
                }
                if (batch.size() == 1 && !failedInTheDatabase(failure)) {
                    log.error("a command failed to commit", failure);
                    batch.getFirst().fail(failure);
                    return;
                }
                batch.forEach(this::runAlone);
                return;
            }
            health.committed();
            for (int i = 0; i < batch.size(); i++) {
                if (results.get(i) != null) {
                    batch.get(i).complete(results.get(i));
                }
            }
        }

        /** Its own transaction, retried when another instance appended to the same account first. */
        private void runAlone(Pending<?, ?> pending) {
            if (!pending.start()) {
                return;
            }
            CommandResultMessage<?> result = null;
            for (int attempt = 1; attempt <= ATTEMPTS_PER_COMMAND; attempt++) {
                TransactionStatus transaction = null;
                try {
                    transaction = transactions.getTransaction(TransactionDefinition.withDefaults());
                    lockAccounts(List.of(pending.aggregateId()));
                    result = execute(pending.command());
                    if (result.isExceptional()) {
                        transactions.rollback(transaction);
                        aggregateCache.remove(pending.aggregateId());
                        if (result.exceptionResult() instanceof ConcurrencyException) {
                            backOff(attempt);
                            continue;
                        }
                        break;
                    }
                    transactions.commit(transaction);
                    health.committed();
                    break;
                } catch (RuntimeException commitFailed) {
                    rollbackQuietly(transaction);
                    aggregateCache.remove(pending.aggregateId());
                    if (LedgerOutages.lostTheDatabase(commitFailed)) {
                        health.failed(commitFailed);
                    }
                    result = GenericCommandResultMessage.asCommandResultMessage(commitFailed);
                    break;
                }
            }
            pending.complete(result);
        }

        /**
         * A rollback on a connection the database already closed fails too (with an exception, or with an
         * AssertionError from the driver); the transaction is over either way, and the pool drops the
         * broken connection.
         */
        private void rollbackQuietly(TransactionStatus transaction) {
            if (transaction == null || transaction.isCompleted()) {
                return;
            }
            try {
                transactions.rollback(transaction);
            } catch (Throwable rollbackFailed) {
                log.warn("rolling back a failed commit batch failed too: {}", rootMessage(rollbackFailed));
                forgetTransactionState();
            }
        }

        /**
         * Takes the accounts' cross-instance locks, then drops from the cache every account that
         * another instance appended to since this one last did: those are replayed from the store.
         */
        private void lockAccounts(List<String> sortedAccountIds) {
            Map<String, Long> stored = locks.lockAndReadLastSequences(sortedAccountIds);
            for (String accountId : sortedAccountIds) {
                if (!Objects.equals(stored.get(accountId), appends.lastAppended(accountId))) {
                    aggregateCache.remove(accountId);
                }
            }
        }

        /** Spreads two instances' retries apart so that they stop colliding on a busy account. */
        private void backOff(int attempt) {
            try {
                Thread.sleep(ThreadLocalRandom.current().nextInt(1, 2 + Math.min(attempt, 10)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private CommandResultMessage<?> execute(CommandMessage<?> command) {
            var outcome = new CapturingCallback();
            local.dispatch(command, outcome::onResult);
            return outcome.result;
        }
    }

    /**
     * A transaction whose completion failed half-way may leave its connection bound to this thread; the
     * next batch must start from nothing, or it would run on the dead connection.
     */
    private static void forgetTransactionState() {
        for (Object resource : List.copyOf(TransactionSynchronizationManager.getResourceMap().keySet())) {
            Object held = TransactionSynchronizationManager.unbindResourceIfPossible(resource);
            if (held instanceof ConnectionHolder connection) {
                try {
                    connection.getConnection().close();
                } catch (SQLException | RuntimeException closeFailed) {
                    log.debug("closing a connection left by a failed transaction: {}", closeFailed.toString());
                }
            }
        }
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.clearSynchronization();
        }
        TransactionSynchronizationManager.clear();
        while (CurrentUnitOfWork.isStarted()) {
            CurrentUnitOfWork.clear(CurrentUnitOfWork.get());
        }
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    /** Whether a failure came from the database, which leaves a PostgreSQL transaction unusable. */
    private static boolean failedInTheDatabase(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConcurrencyException || cause instanceof EventStoreException
                    || cause instanceof java.sql.SQLException || cause instanceof DataAccessException) {
                return true;
            }
        }
        return false;
    }

    private static final class BatchAborted extends RuntimeException {
        BatchAborted(Throwable cause) {
            super(cause);
        }
    }

    /** SimpleCommandBus answers on the dispatching thread, so the result is there when dispatch returns. */
    private static final class CapturingCallback {
        private CommandResultMessage<?> result;

        void onResult(CommandMessage<?> command, CommandResultMessage<?> commandResult) {
            this.result = commandResult;
        }
    }
}
