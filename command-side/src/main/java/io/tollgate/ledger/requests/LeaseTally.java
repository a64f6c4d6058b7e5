package io.tollgate.ledger.requests;

import java.time.Instant;

/** What the requests drawn on one lease cost, from the durable log (topic plus spill). */
public interface LeaseTally {
    record Tally(long debitedMicros, long requests) {}

    /**
     * Sums the CreditsDebited events carrying this lease id, each request counted once (dedupe by requestId, since an
     * event may be on the topic twice); grantedAt bounds where to start reading. Blocks up to a bound; throws if the
     * log cannot be read completely.
     */
    Tally tally(String accountId, String leaseId, Instant grantedAt);
}
