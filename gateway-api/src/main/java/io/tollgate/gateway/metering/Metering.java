package io.tollgate.gateway.metering;

/** What {@link CreditMeter#reserve} decided. */
public sealed interface Metering {

    record Held(MeteredRequest request) implements Metering {
    }

    /** @param reason {@code insufficient_credit} or {@code account_closed} */
    record Refused(String reason, String message) implements Metering {
    }
}
