package io.tollgate.gateway.limits;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import io.github.bucket4j.postgresql.PostgreSQLSelectForUpdateBasedProxyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import javax.sql.DataSource;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * Per-minute token buckets (requests, model tokens) shared by every instance: Bucket4j's PostgreSQL proxy
 * manager keeps each bucket's state in a row of {@code gateway.rate_buckets} and changes it under
 * {@code SELECT … FOR UPDATE}, so two instances never both spend the last token.
 *
 * <p>A bucket holds {@code limit} tokens and refills greedily at {@code limit} per minute: a client can
 * burst the whole minute's allowance at once and then gets one more every 60/limit seconds. A bucket's
 * id contains its limit, so a changed limit starts a fresh, full bucket.
 */
@Component
class RateBuckets {
    private static final Logger log = LoggerFactory.getLogger(RateBuckets.class);

    private final PostgreSQLSelectForUpdateBasedProxyManager<String> buckets;

    RateBuckets(DataSource dataSource) {
        this.buckets = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(dataSource)
                .primaryKeyMapper(PrimaryKeyMapper.STRING)
                .table("gateway.rate_buckets")
                .idColumn("id")
                .stateColumn("state")
                .expiresAtColumn("expires_at")
                // A bucket that has refilled completely carries no information: its row may go.
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                        Duration.ofSeconds(10)))
                .build();
    }

    private BucketProxy bucket(String kind, String subject, long perMinute) {
        String id = kind + ":" + subject + ":" + perMinute;
        return buckets.builder().build(id, () -> BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)))
                .build());
    }

    /** Takes one request from the subject's bucket; empty when taken, else the nanoseconds until one is free. */
    public OptionalLong takeRequest(String subject, long perMinute) {
        ConsumptionProbe probe = bucket("rpm", subject, perMinute).tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? OptionalLong.empty() : OptionalLong.of(probe.getNanosToWaitForRefill());
    }

    /** Gives back a request taken for a request that another limit then refused. */
    public void returnRequest(String subject, long perMinute) {
        bucket("rpm", subject, perMinute).addTokens(1);
    }

    /**
     * Whether the subject has any tokens left this minute; empty when it does, else the nanoseconds until
     * it has. What a request will use is known only after it ran, so admission asks for one token and
     * {@link #chargeTokens} charges the actual count afterwards, into debt if need be.
     */
    public OptionalLong tokensLeft(String subject, long perMinute) {
        EstimationProbe probe = bucket("tpm", subject, perMinute).estimateAbilityToConsume(1);
        return probe.canBeConsumed() ? OptionalLong.empty() : OptionalLong.of(probe.getNanosToWaitForRefill());
    }

    public void chargeTokens(String subject, long perMinute, long tokens) {
        if (tokens > 0) {
            bucket("tpm", subject, perMinute).consumeIgnoringRateLimits(tokens);
        }
    }

    /** Drops rows of buckets that have refilled; answers how many. */
    public int sweep() {
        try {
            return buckets.removeExpired(1_000);
        } catch (RuntimeException e) {
            log.warn("could not sweep idle rate buckets: {}", e.toString());
            return 0;
        }
    }
}
