package io.tollgate.gateway.telemetry;

import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.SimpleSerializedObject;
import org.springframework.jdbc.core.JdbcTemplate;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * Events in the ledger's event store that the Kafka publisher has not published yet: the newest
 * global index minus the position of the publisher's tracking token, read from the store's tables so
 * that every instance reports the same number, whichever instance holds the publisher's claim.
 * <p>
 * A measurement is reused for {@code refresh}: Prometheus scrapes and health probes cost at most one
 * pair of indexed queries per period.
 */
class PublicationBacklog {
    private final JdbcTemplate jdbc;
    private final Serializer serializer;
    private final String processorName;
    private final long refreshNanos;
    private volatile Measurement last;

    public PublicationBacklog(JdbcTemplate jdbc, Serializer serializer, String processorName, Duration refresh) {
        this.jdbc = jdbc;
        this.serializer = serializer;
        this.processorName = processorName;
        this.refreshNanos = refresh.toNanos();
    }

    /** Events not yet published, at most {@code refresh} old. */
    public long events() {
        Measurement measurement = last;
        if (measurement == null || System.nanoTime() - measurement.atNanos() >= refreshNanos) {
            measurement = measure();
        }
        return measurement.events();
    }

    public String processorName() {
        return processorName;
    }

    private synchronized Measurement measure() {
        Measurement measurement = last;
        if (measurement != null && System.nanoTime() - measurement.atNanos() < refreshNanos) {
            return measurement;   // another caller measured while this one waited
        }
        Long head = jdbc.queryForObject("select max(global_index) from ledger.domain_event_entry", Long.class);
        long events = head == null ? 0 : Math.max(0, head - publishedUpTo());
        measurement = new Measurement(events, System.nanoTime());
        last = measurement;
        return measurement;
    }

    /** The lowest position over the publisher's segments; 0 when it has published nothing yet. */
    private long publishedUpTo() {
        List<OptionalLong> positions = jdbc.query(
                "select token, token_type from ledger.token_entry where processor_name = ?",
                (row, i) -> position(row.getBytes("token"), row.getString("token_type")), processorName);
        return positions.stream()
                .mapToLong(position -> position.orElse(0))
                .min()
                .orElse(0);
    }

    private OptionalLong position(byte[] token, String tokenType) {
        if (token == null || tokenType == null) {
            return OptionalLong.empty();   // a tail token: nothing published yet
        }
        TrackingToken tracking = serializer.deserialize(new SimpleSerializedObject<>(token, byte[].class, tokenType, null));
        return tracking == null ? OptionalLong.empty() : tracking.position();
    }

    private record Measurement(long events, long atNanos) {
    }
}
