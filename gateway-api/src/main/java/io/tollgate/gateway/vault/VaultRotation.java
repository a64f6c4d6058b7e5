package io.tollgate.gateway.vault;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Re-encrypts every stored secret under the vault's current master key, in batches, without downtime:
 * <ul>
 *   <li>Each row is read, opened with whichever known key sealed it, sealed again under the current key and
 *   written back with a compare-and-set on the ciphertext it was read with ({@code … where id = ? and
 *   ciphertext = ?}); a row that changed in between (a concurrent write, another instance rotating) is read
 *   again, so nothing written concurrently is ever lost.</li>
 *   <li>Runs when an admin asks ({@code POST /admin/vault/rotate}) and, in the background, when an instance
 *   starts with previous master keys configured. Several instances may run it at once: each write is a CAS.</li>
 *   <li>The plaintext of a secret does not change, so instances that still run with the old key list keep
 *   serving the credentials they already hold (see {@code ProviderRegistry}) until they restart with the new
 *   list. For a rollout in which no instance ever meets a ciphertext it cannot open, first deploy the new key
 *   as a previous key everywhere, then make it current and rotate.</li>
 * </ul>
 */
@Component
class VaultRotation {
    private static final Logger log = LoggerFactory.getLogger(VaultRotation.class);
    private static final int MAX_ATTEMPTS_PER_ROW = 5;
    private static final int MAX_REPORTED_IDS = 20;

    private final JdbcClient jdbc;
    private final SecretVault vault;
    private final ObjectProvider<EncryptedColumn> extraColumns;
    private final int batchSize;
    private final ReentrantLock running = new ReentrantLock();

    public VaultRotation(JdbcClient jdbc, SecretVault vault, ObjectProvider<EncryptedColumn> extraColumns,
                         @Value("${tollgate.vault.rotation-batch-size:100}") int batchSize) {
        this.jdbc = jdbc;
        this.vault = vault;
        this.extraColumns = extraColumns;
        this.batchSize = Math.max(1, batchSize);
    }

    /**
     * What a rotation did. {@code undecryptable} rows were left as they are: no known key opens them (or they
     * were tampered with); their ids are listed (at most 20).
     */
    public record Report(String currentKeyId, long scanned, long reencrypted, long alreadyCurrent,
                         long undecryptable, long conflicts, List<String> undecryptableIds) {
        static Report empty(String keyId) {
            return new Report(keyId, 0, 0, 0, 0, 0, List.of());
        }

        Report plus(Report other) {
            List<String> ids = new ArrayList<>(undecryptableIds);
            other.undecryptableIds.stream().limit(Math.max(0, MAX_REPORTED_IDS - ids.size())).forEach(ids::add);
            return new Report(currentKeyId, scanned + other.scanned, reencrypted + other.reencrypted,
                    alreadyCurrent + other.alreadyCurrent, undecryptable + other.undecryptable,
                    conflicts + other.conflicts, List.copyOf(ids));
        }
    }

    enum RowResult { REENCRYPTED, ALREADY_CURRENT, UNDECRYPTABLE, CONFLICT, GONE }

    /**
     * At every start, in the background: re-seals what an older master key or an older format (v1, v2:
     * not bound to their row) sealed. A scan that finds everything current writes nothing.
     */
    @EventListener(ApplicationReadyEvent.class)
    void rotateAtStartup() {
        Thread.ofVirtual().name("vault-rotation").start(() -> {
            try {
                rotate();
            } catch (RuntimeException e) {
                log.warn("vault re-encryption at startup failed ({}); POST /admin/vault/rotate retries it",
                        e.getClass().getSimpleName());
            }
        });
    }

    /** Re-encrypts every known encrypted column under the current key. */
    public Report rotate() {
        running.lock();
        try {
            Report total = Report.empty(vault.currentKeyId());
            for (EncryptedColumn column : columns()) {
                total = total.plus(rotate(column, vault));
            }
            log.info("vault rotation to master key {}: {} secrets scanned, {} re-encrypted, {} already current, "
                            + "{} undecryptable, {} concurrent writes retried", total.currentKeyId(), total.scanned(),
                    total.reencrypted(), total.alreadyCurrent(), total.undecryptable(), total.conflicts());
            return total;
        } finally {
            running.unlock();
        }
    }

    Set<EncryptedColumn> columns() {
        Set<EncryptedColumn> columns = new LinkedHashSet<>();
        columns.add(EncryptedColumn.PROVIDER_CREDENTIALS);
        extraColumns.orderedStream().forEach(columns::add);
        return columns;
    }

    /** Re-encrypts one column under the given vault's current key (tests pass their own vault). */
    public Report rotate(EncryptedColumn column, SecretVault under) {
        long scanned = 0, reencrypted = 0, current = 0, undecryptable = 0, conflicts = 0;
        List<String> failedIds = new ArrayList<>();
        Object after = null;
        while (true) {
            List<Row> batch = batch(column, after);
            if (batch.isEmpty()) {
                break;
            }
            for (Row row : batch) {
                scanned++;
                RowResult result = reencrypt(column, under, row.id(), row.owner(), row.ciphertext());
                int attempts = 1;
                while (result == RowResult.CONFLICT && attempts < MAX_ATTEMPTS_PER_ROW) {
                    conflicts++;
                    attempts++;
                    byte[] now = read(column, row.id());
                    result = now == null ? RowResult.GONE : reencrypt(column, under, row.id(), row.owner(), now);
                }
                switch (result) {
                    case REENCRYPTED -> reencrypted++;
                    case ALREADY_CURRENT, GONE -> current++;
                    case UNDECRYPTABLE -> {
                        undecryptable++;
                        if (failedIds.size() < MAX_REPORTED_IDS) {
                            failedIds.add(String.valueOf(row.id()));
                        }
                    }
                    case CONFLICT -> {
                        // still changing under our feet after several tries: whoever writes it writes it
                        // under their current key; the next rotation looks at it again
                        conflicts++;
                        log.warn("vault rotation: {} row {} kept changing; left for the next rotation",
                                column.table(), row.id());
                    }
                }
            }
            after = batch.getLast().id();
        }
        return new Report(under.currentKeyId(), scanned, reencrypted, current, undecryptable, conflicts,
                List.copyOf(failedIds));
    }

    /**
     * Re-encrypts one row if it is not under the current key, compare-and-set on the ciphertext it was read
     * with: {@link RowResult#CONFLICT} when the row no longer holds {@code seen}.
     */
    RowResult reencrypt(EncryptedColumn column, SecretVault under, Object id, Object owner, byte[] seen) {
        if (under.isCurrent(seen)) {
            return RowResult.ALREADY_CURRENT;
        }
        byte[] resealed;
        String context = column.context(owner, id);
        try {
            resealed = under.encrypt(under.decrypt(seen, context), context);
        } catch (SecretVault.VaultException e) {
            log.warn("vault rotation: {} row {} cannot be opened: {}", column.table(), id, e.getMessage());
            return RowResult.UNDECRYPTABLE;
        }
        int updated = jdbc.sql("update " + column.table() + " set " + column.ciphertextColumn() + " = ? where "
                        + column.idColumn() + " = ? and " + column.ciphertextColumn() + " = ?")
                .params(resealed, id, seen)
                .update();
        return updated == 1 ? RowResult.REENCRYPTED : RowResult.CONFLICT;
    }

    private List<Row> batch(EncryptedColumn column, Object after) {
        String select = "select " + column.idColumn() + " as id, " + column.ciphertextColumn() + " as ciphertext, "
                + (column.ownerColumn() == null ? "null" : column.ownerColumn()) + " as owner from " + column.table();
        var spec = after == null
                ? jdbc.sql(select + " order by " + column.idColumn() + " limit ?").param(batchSize)
                : jdbc.sql(select + " where " + column.idColumn() + " > ? order by " + column.idColumn() + " limit ?")
                        .params(after, batchSize);
        return spec.query((rs, n) -> new Row(rs.getObject("id"), rs.getObject("owner"), rs.getBytes("ciphertext")))
                .list();
    }

    private byte[] read(EncryptedColumn column, Object id) {
        return jdbc.sql("select " + column.ciphertextColumn() + " from " + column.table() + " where "
                        + column.idColumn() + " = ?")
                .param(id)
                .query((rs, n) -> rs.getBytes(1))
                .optional()
                .orElse(null);
    }

    private record Row(Object id, Object owner, byte[] ciphertext) {
    }
}
