package io.tollgate.events.support;

/** Kafka topic and header names shared by the publisher and every consumer. */
public final class Topics {
    /** Ledger and request lifecycle, keyed by account id, unlimited retention: the query side's replay source. */
    public static final String LEDGER = "tollgate.ledger.v1";

    public static final String HEADER_EVENT_ID = "event-id";
    public static final String HEADER_EVENT_TYPE = "event-type";
    public static final String HEADER_SCHEMA_VERSION = "schema-version";
    /** On request events drawn on a credit lease: lets a lease be tallied from the topic without decoding. */
    public static final String HEADER_LEASE_ID = "lease-id";

    private Topics() {
    }
}
