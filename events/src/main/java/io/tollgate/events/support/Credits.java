package io.tollgate.events.support;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Money is fixed-point: 1 credit = 1,000,000 micro-credits, held in a long. Rates are micro-credits per
 * million tokens, so a cost is tokens × rate / 1,000,000, rounded up to the next micro-credit.
 */
public final class Credits {
    public static final long MICROS_PER_CREDIT = 1_000_000L;
    private static final long TOKENS_PER_RATE_UNIT = 1_000_000L;

    private Credits() {
    }

    /** Exact conversion; more than six decimals, or more than a long holds, is refused rather than rounded. */
    public static long micros(BigDecimal credits) {
        try {
            return credits.movePointRight(6).setScale(0, RoundingMode.UNNECESSARY).longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("credit amounts have at most 6 decimal places: " + credits.toPlainString());
        }
    }

    public static BigDecimal toCredits(long micros) {
        return BigDecimal.valueOf(micros, 6);
    }

    /** The cost of a number of tokens at a rate, rounded up so that no fraction of use goes unbilled. */
    public static long costMicros(long tokens, long rateMicrosPerMillionTokens) {
        if (tokens < 0 || rateMicrosPerMillionTokens < 0) {
            throw new IllegalArgumentException("tokens and rate must not be negative");
        }
        long product = Math.multiplyExact(tokens, rateMicrosPerMillionTokens);
        return Math.ceilDiv(product, TOKENS_PER_RATE_UNIT);
    }

    /** How many tokens a budget buys at a rate (rounded down), at most Integer.MAX_VALUE. */
    public static long affordableTokens(long budgetMicros, long rateMicrosPerMillionTokens) {
        if (budgetMicros <= 0) {
            return 0;
        }
        if (rateMicrosPerMillionTokens <= 0) {
            return Integer.MAX_VALUE;
        }
        // floor(budget × 1e6 / rate) without overflowing the product
        long wholeUnits = budgetMicros / rateMicrosPerMillionTokens;
        long remainder = budgetMicros % rateMicrosPerMillionTokens;
        if (wholeUnits >= Integer.MAX_VALUE / TOKENS_PER_RATE_UNIT + 1) {
            return Integer.MAX_VALUE;
        }
        long tokens = wholeUnits * TOKENS_PER_RATE_UNIT
                + Math.multiplyExact(remainder, TOKENS_PER_RATE_UNIT) / rateMicrosPerMillionTokens;
        return Math.min(tokens, Integer.MAX_VALUE);
    }
}
