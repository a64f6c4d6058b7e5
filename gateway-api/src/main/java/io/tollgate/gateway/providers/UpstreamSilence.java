package io.tollgate.gateway.providers;

import org.apache.hc.core5.concurrent.Cancellable;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Bounds every wait for a provider's bytes (its response headers, each read of its answer) without a socket
 * timeout. A read with a timeout parks the request's virtual thread with a timer, and the JDK arms and disarms
 * that timer on its delay-scheduler thread: two more context switches per read. With the same for the wait on
 * the broker they cost the gateway about a fifth of its CPU per request at one connection (docs/ledger.md),
 * and added to the wake-ups behind the latency tail. Here a read only notes when
 * it began; one thread looks at the waits every twentieth of the timeout (10 ms to 1 s) and cancels an exchange
 * whose wait has gone on longer, which closes its connection. The read then fails, and {@link Exchange#silenced()}
 * tells the caller it was the provider's silence.
 */
final class UpstreamSilence implements AutoCloseable {
    private static final long NOT_WAITING = Long.MIN_VALUE;

    private final long limitNanos;
    private final Set<Exchange> exchanges = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(
            task -> Thread.ofPlatform().daemon().name("upstream-silence").unstarted(task));

    UpstreamSilence(Duration limit) {
        this.limitNanos = limit.toNanos();
        long tick = Math.clamp(limitNanos / 20, TimeUnit.MILLISECONDS.toNanos(10), TimeUnit.SECONDS.toNanos(1));
        sweeper.scheduleWithFixedDelay(this::sweep, tick, tick, TimeUnit.NANOSECONDS);
    }

    /** Watches an exchange from now until {@link Exchange#close()}; it starts out waiting. */
    Exchange watch(Cancellable connection) {
        Exchange exchange = new Exchange(connection);
        exchanges.add(exchange);
        return exchange;
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Exchange exchange : exchanges) {
            long since = exchange.waitingSince;
            if (since != NOT_WAITING && now - since >= limitNanos) {
                exchange.silenced = true;
                exchanges.remove(exchange);
                exchange.connection.cancel();
            }
        }
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }

    /** One call to a provider, from sending the request until its answer was read or dropped. */
    final class Exchange implements AutoCloseable {
        private final Cancellable connection;
        private volatile long waitingSince = System.nanoTime();
        private volatile boolean silenced;

        private Exchange(Cancellable connection) {
            this.connection = connection;
        }

        void waiting() {
            waitingSince = System.nanoTime();
        }

        void answered() {
            waitingSince = NOT_WAITING;
        }

        /** Whether the provider sent nothing for the whole limit, so that this exchange's connection was closed. */
        boolean silenced() {
            return silenced;
        }

        @Override
        public void close() {
            waitingSince = NOT_WAITING;
            exchanges.remove(this);
        }
    }
}
