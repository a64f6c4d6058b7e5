package io.tollgate.events.support;

/** Naming shared by the admin audit events (key, provider, credential and limit changes). */
public final class AdminTrail {
    /**
     * The account id of admin events that belong to no customer account (providers, credentials, keys
     * without an account): one Kafka key keeps them on one partition, in order. The admin API refuses
     * account ids that start with '_'.
     */
    public static final String SYSTEM_ACCOUNT = "_admin";

    private AdminTrail() {
    }
}
