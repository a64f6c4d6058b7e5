package io.tollgate.ledger.commit;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * @param shards          threads that each commit their own batches (accounts are spread over them)
 * @param maxBatch        commands per database transaction at most
 * @param cachedAccounts  accounts kept in memory between commands
 * @param cacheIdle       an account unused this long is dropped from memory (and replayed when next used)
 * @param snapshotEvery   events between snapshots of an account
 * @param answerTimeout   how long a caller of {@code sendAndWait} (admin calls, rates, the audit trail)
 *                        waits for its command's answer before it is told the ledger is unavailable (503)
 */
@ConfigurationProperties("tollgate.ledger.commit")
record CommitProperties(@DefaultValue("2") int shards,
                               @DefaultValue("256") int maxBatch,
                               @DefaultValue("100000") long cachedAccounts,
                               @DefaultValue("30m") Duration cacheIdle,
                               @DefaultValue("500") int snapshotEvery,
                               @DefaultValue("5s") Duration answerTimeout) {
}
