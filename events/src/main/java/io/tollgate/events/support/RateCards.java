package io.tollgate.events.support;

/** Naming shared by the rate card aggregate, its events and their consumers. */
public final class RateCards {
    /**
     * The account id that every {@link ModelRateSet} carries: rates belong to no customer, and one
     * Kafka key keeps all rate changes on one partition, in order. The admin API refuses account ids that start with '_'.
     */
    public static final String SYSTEM_ACCOUNT = "_rates";

    private RateCards() {
    }

    /** A model's rate card id, {@code provider/model}; provider names contain no '/'. */
    public static String id(String provider, String model) {
        return provider + "/" + model;
    }
}
