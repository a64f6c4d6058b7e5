package io.tollgate.gateway.metering;

import java.time.Instant;

/**
 * One credit lease as this instance meters it. Every change happens under the lease's monitor, so that
 * holds, debits and what is free always add up to the lease's amount.
 */
final class Lease {
    final String accountId;
    final String leaseId;
    final long amountMicros;
    final long grantedAtNanos;
    private Instant expiresAt;
    private long freeMicros;
    private long debitedMicros;
    private long requests;
    private long heldTotalMicros;
    private long lastHeldAtNanos;
    private int open;
    private boolean retired;
    private boolean settling;
    private boolean settled;

    Lease(String accountId, String leaseId, long amountMicros, Instant expiresAt, long grantedAtNanos) {
        this.accountId = accountId;
        this.leaseId = leaseId;
        this.amountMicros = amountMicros;
        this.expiresAt = expiresAt;
        this.freeMicros = amountMicros;
        this.grantedAtNanos = grantedAtNanos;
    }

    /**
     * Takes {@code micros} for one request, unless the lease is retired, short of credit or near its end.
     * {@code requestNanos} is when the request arrived (System.nanoTime), which {@link #heldSince} compares with.
     */
    synchronized boolean tryHold(long micros, Instant notAfter, long requestNanos) {
        if (retired || micros > freeMicros || !expiresAt.isAfter(notAfter)) {
            return false;
        }
        freeMicros -= micros;
        heldTotalMicros += micros;
        lastHeldAtNanos = requestNanos;
        open++;
        return true;
    }

    /** Takes whatever is free, when that is at least {@code minimumMicros}; answers what was taken, or 0. */
    synchronized long holdRest(long minimumMicros, Instant notAfter, long requestNanos) {
        if (retired || freeMicros < minimumMicros || !expiresAt.isAfter(notAfter)) {
            return 0;
        }
        long taken = freeMicros;
        freeMicros = 0;
        heldTotalMicros += taken;
        lastHeldAtNanos = requestNanos;
        open++;
        return taken;
    }

    /**
     * Fixes one request's debit: its cost, and never more than its hold (a request is charged at most what
     * it held; what a provider reports beyond that is recorded, not charged), so the lease's free credit is
     * never touched by a settlement.
     */
    long claim(long heldMicros, long costMicros) {
        return Math.min(costMicros, heldMicros);
    }

    /** The request's debit is durable: it counts against the lease, and the rest of its hold is free again. */
    synchronized void commit(long heldMicros, long debitMicros) {
        freeMicros += Math.max(heldMicros, debitMicros) - debitMicros;
        debitedMicros += debitMicros;
        requests++;
        open--;
    }

    /** The request's debit could not be made durable: nothing is charged, its whole claim is free again. */
    synchronized void abandon(long heldMicros, long debitMicros) {
        freeMicros += Math.max(heldMicros, debitMicros);
        open--;
    }

    /** Ends one request's hold without a charge. */
    synchronized void release(long heldMicros) {
        freeMicros += heldMicros;
        open--;
    }

    synchronized void retire() {
        retired = true;
    }

    synchronized boolean retired() {
        return retired;
    }

    /** Retired with nothing open and not yet given back: ready to be settled with its final count. */
    synchronized boolean drained() {
        return retired && open == 0 && !settled && !settling;
    }

    /** Claims the settlement for one thread; false when the lease is not drained or another thread has it. */
    synchronized boolean beginSettling() {
        if (!drained()) {
            return false;
        }
        settling = true;
        return true;
    }

    synchronized void settlingEnded(boolean done) {
        settling = false;
        settled = done;
    }

    synchronized boolean hasOpenRequests() {
        return open > 0;
    }

    synchronized long freeMicros() {
        return freeMicros;
    }

    synchronized long debitedMicros() {
        return debitedMicros;
    }

    synchronized long requests() {
        return requests;
    }

    /** Whether a request took credit from it at or after {@code sinceNanos} (System.nanoTime). */
    synchronized boolean heldSince(long sinceNanos) {
        return heldTotalMicros > 0 && lastHeldAtNanos - sinceNanos >= 0;
    }

    /** What requests held on it per second of its life so far: the demand the next lease is sized by. */
    synchronized long heldPerSecond(long nowNanos) {
        double ageSeconds = Math.max(0.1, (nowNanos - grantedAtNanos) / 1e9);
        return (long) (heldTotalMicros / ageSeconds);
    }

    synchronized Instant expiresAt() {
        return expiresAt;
    }

    synchronized void extendTo(Instant later) {
        if (later.isAfter(expiresAt)) {
            expiresAt = later;
        }
    }
}
