package io.tollgate.views.projection.support;

import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;

/**
 * Column arrays for multi-row statements ({@code insert … select … from unnest(?, ?, …)}): one round trip
 * and one statement per table and batch instead of one per row.
 */
public final class Sql {
    private Sql() {
    }

    /**
     * A timestamp parameter sent as epoch microseconds. Exact (no float conversion) and independent of the
     * JVM's time zone, which a {@code timestamptz[]} built from {@link Timestamp#toString()} would not be.
     */
    public static String timestamp(String expression) {
        return "(timestamptz 'epoch' + " + expression + " * interval '1 microsecond')";
    }

    public static Long micros(Instant instant) {
        return instant == null ? null : Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L),
                instant.getNano() / 1_000L);
    }

    public static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    public static Array texts(Connection connection, Collection<String> values) throws SQLException {
        return connection.createArrayOf("text", values.toArray(String[]::new));
    }

    public static Array longs(Connection connection, Collection<Long> values) throws SQLException {
        return connection.createArrayOf("int8", values.toArray(Long[]::new));
    }

    public static Array ints(Connection connection, Collection<Integer> values) throws SQLException {
        return connection.createArrayOf("int4", values.toArray(Integer[]::new));
    }

    public static Array bools(Connection connection, Collection<Boolean> values) throws SQLException {
        return connection.createArrayOf("bool", values.toArray(Boolean[]::new));
    }

    /** Only names of our own making (schema names from configuration) are spliced into SQL. */
    public static String requireIdentifier(String name) {
        if (name == null || !name.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("not a plain lower-case SQL identifier: " + name);
        }
        return name;
    }
}
