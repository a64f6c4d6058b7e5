package io.tollgate.gateway.metering;

import io.tollgate.events.RefusalReason;

/** What {@link CreditMeter#reserve} decided. */
public sealed interface Metering {

    record Held(MeteredRequest request) implements Metering {
    }

    /** @param reason {@link RefusalReason#INSUFFICIENT_CREDIT} or {@link RefusalReason#ACCOUNT_CLOSED} */
    record Refused(RefusalReason reason, String message) implements Metering {
    }
}
