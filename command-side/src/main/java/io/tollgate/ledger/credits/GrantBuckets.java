package io.tollgate.ledger.credits;

import com.fasterxml.jackson.annotation.JsonAutoDetect;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * An account's unspent credit, kept per grant because grants expire separately. Buckets are immutable
 * records replaced on change, and a bucket that reaches zero is dropped, so the list holds only credit
 * that still exists.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
final class GrantBuckets {
    private final List<GrantBucket> buckets = new ArrayList<>();

    /** @param expiresAt null for credit that never expires */
    record GrantBucket(String grantId, long remainingMicros, Instant expiresAt) {
        /** At its expiry instant a bucket counts as expired already. */
        boolean isExpiredAt(Instant at) {
            return expiresAt != null && !at.isBefore(expiresAt);
        }
    }

    void add(String grantId, long micros, Instant expiresAt) {
        buckets.add(new GrantBucket(grantId, micros, expiresAt));
    }

    boolean holds(String grantId) {
        return buckets.stream().anyMatch(bucket -> bucket.grantId().equals(grantId));
    }

    /** Everything that exists, expired-but-not-yet-swept credit included. */
    long totalMicros() {
        return buckets.stream().mapToLong(GrantBucket::remainingMicros).sum();
    }

    long unexpiredMicrosAt(Instant at) {
        return buckets.stream().filter(bucket -> !bucket.isExpiredAt(at)).mapToLong(GrantBucket::remainingMicros).sum();
    }

    /** The buckets whose expiry has passed, earliest expiry first. */
    List<GrantBucket> expiredAt(Instant at) {
        return buckets.stream()
                .filter(bucket -> bucket.isExpiredAt(at))
                .sorted(Comparator.comparing(GrantBucket::expiresAt))
                .toList();
    }

    /**
     * Takes credit earliest-expiring first, non-expiring after that, and credit that has expired but is
     * not yet swept last; a request reserved before its grant expired is still paid from that grant.
     * Never takes more than exists: the command handlers cap every debit, and a replayed event must not
     * fail.
     */
    void consume(long micros, Instant at) {
        buckets.sort(Comparator.comparing((GrantBucket bucket) -> bucket.isExpiredAt(at))
                .thenComparing(GrantBucket::expiresAt, Comparator.nullsLast(Comparator.naturalOrder())));
        long left = micros;
        for (int i = 0; i < buckets.size() && left > 0; i++) {
            GrantBucket bucket = buckets.get(i);
            long taken = Math.min(left, bucket.remainingMicros());
            buckets.set(i, new GrantBucket(bucket.grantId(), bucket.remainingMicros() - taken, bucket.expiresAt()));
            left -= taken;
        }
        buckets.removeIf(bucket -> bucket.remainingMicros() == 0);
    }

    /** Takes up to {@code micros} from one bucket; an emptied bucket is dropped. */
    void take(String grantId, long micros) {
        for (int i = 0; i < buckets.size(); i++) {
            GrantBucket bucket = buckets.get(i);
            if (bucket.grantId().equals(grantId)) {
                buckets.set(i, new GrantBucket(grantId, Math.max(0, bucket.remainingMicros() - micros),
                        bucket.expiresAt()));
            }
        }
        buckets.removeIf(bucket -> bucket.remainingMicros() == 0);
    }
}
