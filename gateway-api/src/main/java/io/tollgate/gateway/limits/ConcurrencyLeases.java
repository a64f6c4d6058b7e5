package io.tollgate.gateway.limits;

import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Requests in flight per key or account, counted across instances: each admitted request holds a row in
 * {@code gateway.concurrency_leases}. Admission counts the subject's live leases under a transaction-scoped
 * advisory lock on the subject, so two instances cannot both take the last slot. This instance renews the
 * leases it holds every third of their time-to-live; the leases of an instance that died stop counting
 * when they expire.
 */
@Component
class ConcurrencyLeases {
    private static final Logger log = LoggerFactory.getLogger(ConcurrencyLeases.class);

    private final DataSource dataSource;
    private final Duration ttl;
    private final String nodeId = "node-" + UUID.randomUUID();
    private final Set<UUID> held = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "concurrency-lease-renewal");
        thread.setDaemon(true);
        return thread;
    });

    ConcurrencyLeases(DataSource dataSource, LimitProperties properties) {
        this.dataSource = dataSource;
        this.ttl = properties.leaseTtl();
        long every = Math.max(1, ttl.toMillis() / 3);
        renewer.scheduleWithFixedDelay(this::renewAndSweep, every, every, TimeUnit.MILLISECONDS);
    }

    /** One subject's limit on requests in flight. */
    public record Slot(String subject, int limit) {
    }

    /** What a refused acquisition reports: the first subject that had no free slot. */
    public record Acquired(List<UUID> leases, String fullSubject) {
        public boolean granted() {
            return fullSubject == null;
        }
    }

    /**
     * Takes one lease per slot, all or none, in one transaction: each subject's advisory lock (in sorted
     * order, so two instances never deadlock), its count of live leases, and the inserts.
     */
    public Acquired acquire(List<Slot> slots) {
        List<Slot> ordered = slots.stream().sorted(Comparator.comparing(Slot::subject)).toList();
        List<UUID> leases = new ArrayList<>(ordered.size());
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                for (Slot slot : ordered) {
                    try (PreparedStatement lock = connection.prepareStatement(
                            "select pg_advisory_xact_lock(hashtextextended(?, 7))")) {
                        lock.setString(1, "concurrency:" + slot.subject());
                        lock.execute();
                    }
                    int inFlight;
                    try (PreparedStatement count = connection.prepareStatement("select count(*) from "
                            + "gateway.concurrency_leases where subject = ? and expires_at > now()")) {
                        count.setString(1, slot.subject());
                        try (ResultSet rs = count.executeQuery()) {
                            rs.next();
                            inFlight = rs.getInt(1);
                        }
                    }
                    if (inFlight >= slot.limit()) {
                        connection.rollback();
                        return new Acquired(List.of(), slot.subject());
                    }
                    leases.add(UUID.randomUUID());
                }
                try (PreparedStatement insert = connection.prepareStatement("""
                        insert into gateway.concurrency_leases (lease_id, subject, node_id, expires_at)
                        values (?, ?, ?, now() + ?::interval)""")) {
                    for (int i = 0; i < ordered.size(); i++) {
                        insert.setObject(1, leases.get(i));
                        insert.setString(2, ordered.get(i).subject());
                        insert.setString(3, nodeId);
                        insert.setString(4, ttl.toMillis() + " milliseconds");
                        insert.addBatch();
                    }
                    insert.executeBatch();
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not count requests in flight", e);
        }
        held.addAll(leases);
        return new Acquired(leases, null);
    }

    public void release(List<UUID> leases) {
        if (leases.isEmpty()) {
            return;
        }
        leases.forEach(held::remove);
        try (Connection connection = dataSource.getConnection();
             PreparedStatement delete = connection.prepareStatement(
                     "delete from gateway.concurrency_leases where lease_id = any(?)")) {
            delete.setArray(1, connection.createArrayOf("uuid", leases.toArray()));
            delete.executeUpdate();
        } catch (SQLException e) {
            // They stop counting when they expire.
            log.warn("could not release concurrency leases: {}", e.toString());
        }
    }

    void renewAndSweep() {
        try (Connection connection = dataSource.getConnection()) {
            if (!held.isEmpty()) {
                try (PreparedStatement renew = connection.prepareStatement("""
                        update gateway.concurrency_leases set expires_at = now() + ?::interval
                        where lease_id = any(?)""")) {
                    renew.setString(1, ttl.toMillis() + " milliseconds");
                    renew.setArray(2, connection.createArrayOf("uuid", held.toArray()));
                    renew.executeUpdate();
                }
            }
            try (PreparedStatement sweep = connection.prepareStatement(
                    "delete from gateway.concurrency_leases where expires_at < now() - interval '1 minute'")) {
                sweep.executeUpdate();
            }
        } catch (SQLException | RuntimeException e) {
            log.warn("could not renew concurrency leases: {}", e.toString());
        }
    }

    @PreDestroy
    void stop() {
        renewer.shutdownNow();
    }
}
