package io.tollgate.views.audit;

/** One account's billing totals in micro-credits; balance = granted − debited + refunded − expired + adjusted. */
record BillingTotals(long granted, long debited, long refunded, long expired, long adjusted) {
    static final BillingTotals ZERO = new BillingTotals(0, 0, 0, 0, 0);

    long balance() {
        return granted - debited + refunded - expired + adjusted;
    }

    BillingTotals plus(long grantedDelta, long debitedDelta, long refundedDelta, long expiredDelta, long adjustedDelta) {
        return new BillingTotals(granted + grantedDelta, debited + debitedDelta, refunded + refundedDelta,
                expired + expiredDelta, adjusted + adjustedDelta);
    }
}
