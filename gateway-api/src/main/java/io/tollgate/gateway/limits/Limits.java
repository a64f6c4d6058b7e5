package io.tollgate.gateway.limits;

import java.util.Locale;

/**
 * The limits of one key or one account; a null field is no limit.
 *
 * @param budgetMicros spend allowed per {@code budgetPeriod}, in micro-credits
 * @param budgetPeriod "day" or "month" (UTC), set exactly when budgetMicros is
 */
public record Limits(Long requestsPerMinute, Long tokensPerMinute, Integer concurrentRequests, Long budgetMicros,
                     String budgetPeriod) {
    public static final Limits NONE = new Limits(null, null, null, null, null);

    public Limits {
        requirePositive(requestsPerMinute, "requestsPerMinute");
        requirePositive(tokensPerMinute, "tokensPerMinute");
        requirePositive(concurrentRequests == null ? null : concurrentRequests.longValue(), "concurrentRequests");
        if (budgetMicros != null && budgetMicros < 0) {
            throw new IllegalArgumentException("budget must not be negative");
        }
        if (budgetPeriod != null) {
            budgetPeriod = budgetPeriod.trim().toLowerCase(Locale.ROOT);
            if (!budgetPeriod.equals("day") && !budgetPeriod.equals("month")) {
                throw new IllegalArgumentException("budgetPeriod is day or month, not '" + budgetPeriod + "'");
            }
        }
        if ((budgetMicros == null) != (budgetPeriod == null)) {
            throw new IllegalArgumentException("a budget needs both an amount and a period (day or month)");
        }
    }

    public boolean isEmpty() {
        return requestsPerMinute == null && tokensPerMinute == null && concurrentRequests == null
                && budgetMicros == null;
    }

    private static void requirePositive(Long value, String name) {
        if (value != null && value <= 0) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
