package io.tollgate.views.projection.support;

import org.postgresql.PGConnection;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;

/**
 * Rows for {@code COPY … FROM STDIN (FORMAT binary)}: for wide rows of numbers and integer arrays (usage
 * buckets carry two 82-bucket histograms), PostgreSQL reads the binary form at a fraction of the cost of
 * parsing the text form. Times are sent as microseconds, as {@link Sql#micros(Instant)} does.
 */
public final class BinaryCopyRows {
    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0};
    /** 2000-01-01T00:00:00Z, PostgreSQL's epoch, in Unix microseconds. */
    private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;
    private static final int INT4_OID = 23;

    private final String table;
    private final String columns;
    private final int fields;
    private byte[] buffer = new byte[256 * 1024];
    private int length;
    private int rows;

    public BinaryCopyRows(String schema, String table, String columns) {
        this.table = Sql.requireIdentifier(schema) + "." + Sql.requireIdentifier(table);
        this.columns = columns;
        this.fields = columns.split(",").length;
        header();
    }

    private void header() {
        length = 0;
        put(SIGNATURE);
        int32(0);
        int32(0);
    }

    public int rows() {
        return rows;
    }

    public BinaryCopyRows row() {
        int16(fields);
        rows++;
        return this;
    }

    public BinaryCopyRows text(String value) {
        if (value == null) {
            int32(-1);
            return this;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        int32(bytes.length);
        put(bytes);
        return this;
    }

    public BinaryCopyRows int8(long value) {
        int32(8);
        int64(value);
        return this;
    }

    public BinaryCopyRows time(Instant value) {
        if (value == null) {
            int32(-1);
            return this;
        }
        int32(8);
        int64(Sql.micros(value) - PG_EPOCH_MICROS);
        return this;
    }

    /** A one-dimensional int4[] with lower bound 1 and no nulls, as {@code '{…}'::int[]} gives. */
    public BinaryCopyRows int4Array(int[] values) {
        int32(20 + values.length * 8);
        int32(1);
        int32(0);
        int32(INT4_OID);
        int32(values.length);
        int32(1);
        for (int v : values) {
            int32(4);
            int32(v);
        }
        return this;
    }

    /** Sends the rows (if any) in the caller's transaction. */
    public void copy(Connection connection) throws SQLException {
        if (rows == 0) {
            return;
        }
        int16(-1);
        try {
            connection.unwrap(PGConnection.class).getCopyAPI().copyIn("copy " + table + " (" + columns
                    + ") from stdin (format binary)", new ByteArrayInputStream(buffer, 0, length));
        } catch (IOException e) {
            throw new SQLException("COPY into " + table + " failed", e);
        }
        rows = 0;
        header();
    }

    private void ensure(int more) {
        if (length + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + more));
        }
    }

    private void put(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buffer, length, bytes.length);
        length += bytes.length;
    }

    private void int16(int v) {
        ensure(2);
        buffer[length++] = (byte) (v >>> 8);
        buffer[length++] = (byte) v;
    }

    private void int32(int v) {
        ensure(4);
        buffer[length++] = (byte) (v >>> 24);
        buffer[length++] = (byte) (v >>> 16);
        buffer[length++] = (byte) (v >>> 8);
        buffer[length++] = (byte) v;
    }

    private void int64(long v) {
        int32((int) (v >>> 32));
        int32((int) v);
    }
}
