package io.tollgate.ledger.store;

import org.springframework.jdbc.core.simple.JdbcClient;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Serialises appends to an account across gateway instances: a transaction takes the account's
 * PostgreSQL advisory lock before it decides anything, and holds it until it commits. Locks are taken
 * in sorted order, so two instances locking overlapping sets cannot deadlock.
 */
public class AccountLocks {
    private final JdbcClient jdbc;

    public AccountLocks(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Locks the accounts for the current transaction and returns the last stored sequence number of
     * each (absent for an account with no events yet), read after the lock so that it is final.
     */
    public Map<String, Long> lockAndReadLastSequences(List<String> sortedAccountIds) {
        Map<String, Long> lastSequences = new HashMap<>();
        jdbc.sql("""
                        select k.id,
                               pg_advisory_xact_lock(hashtextextended(k.id, 0)) as locked,
                               (select max(e.sequence_number) from ledger.domain_event_entry e
                                where e.aggregate_identifier = k.id) as last_sequence
                        from unnest(?::text[]) with ordinality as k(id, position)
                        order by k.position""")
                .param(sortedAccountIds.toArray(String[]::new))
                .query(rs -> {
                    long last = rs.getLong("last_sequence");
                    if (!rs.wasNull()) {
                        lastSequences.put(rs.getString("id"), last);
                    }
                });
        return lastSequences;
    }

    /**
     * Fails when the current transaction is already aborted. PostgreSQL turns the commit of an aborted
     * transaction into a silent rollback, so a database error that some handler swallowed would
     * otherwise pass for a successful batch.
     */
    public void verifyTransactionIntact() {
        jdbc.sql("select 1").query(Integer.class).single();
    }
}
