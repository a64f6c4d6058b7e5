package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/**
 * The limits of one API key or one account were set (null fields: no limit) or removed (all null).
 *
 * @param accountId   the account the limits apply to (a key's owning account), or
 *                    {@link AdminTrail#SYSTEM_ACCOUNT} for a key without one
 * @param subjectType "key" or "account"
 * @param subjectId   the key id or the account id
 * @param budgetMicros spend budget per {@code budgetPeriod} ("day" or "month", UTC), in micro-credits
 */
public record LimitsChanged(UUID eventId, Instant occurredAt, String accountId, String subjectType,
                            String subjectId, Long requestsPerMinute, Long tokensPerMinute,
                            Integer concurrentRequests, Long budgetMicros, String budgetPeriod, String actor)
        implements TollgateEvent {
}
