package io.tollgate.views.projection.support;

import org.postgresql.PGConnection;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.UUID;

/**
 * Rows for PostgreSQL's {@code COPY … FROM STDIN} in text format, sent with PgJDBC's CopyManager: the
 * cheapest way to append many rows (no statement per row, no array literals to parse). Values are written
 * exactly as the multi-row statements write them (times truncated to microseconds), so a table filled by
 * COPY and one filled by the live consumer's upserts are equal row for row.
 */
public final class CopyRows {
    private final String table;
    private final String columns;
    private final StringBuilder text = new StringBuilder(64 * 1024);
    private int rows;
    private boolean rowStarted;

    public CopyRows(String schema, String table, String columns) {
        this.table = Sql.requireIdentifier(schema) + "." + Sql.requireIdentifier(table);
        this.columns = columns;
    }

    public int rows() {
        return rows;
    }

    private CopyRows separator() {
        if (rowStarted) {
            text.append('\t');
        }
        rowStarted = true;
        return this;
    }

    public CopyRows text(String value) {
        separator();
        if (value == null) {
            text.append("\\N");
            return this;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> text.append("\\\\");
                case '\t' -> text.append("\\t");
                case '\n' -> text.append("\\n");
                case '\r' -> text.append("\\r");
                // PostgreSQL refuses a NUL in text; sent as is, so that COPY fails as the upserts would and the
                // record is dead-lettered the same way.
                default -> text.append(c);
            }
        }
        return this;
    }

    public CopyRows number(long value) {
        separator();
        text.append(value);
        return this;
    }

    public CopyRows number(Long value) {
        return value == null ? text(null) : number(value.longValue());
    }

    public CopyRows number(Integer value) {
        return value == null ? text(null) : number(value.longValue());
    }

    public CopyRows bool(Boolean value) {
        separator();
        text.append(value == null ? "\\N" : value ? "t" : "f");
        return this;
    }

    public CopyRows uuid(UUID value) {
        separator();
        text.append(value == null ? "\\N" : value.toString());
        return this;
    }

    /** Truncated to microseconds, as {@link Sql#micros(Instant)} sends it. */
    public CopyRows time(Instant value) {
        separator();
        if (value == null) {
            text.append("\\N");
        } else {
            text.append(Instant.ofEpochSecond(value.getEpochSecond(), value.getNano() / 1_000 * 1_000));
        }
        return this;
    }

    /** An array literal such as {@code {1,2,3}}, already in PostgreSQL's text form. */
    public CopyRows literal(String value) {
        separator();
        text.append(value == null ? "\\N" : value);
        return this;
    }

    public CopyRows endRow() {
        text.append('\n');
        rows++;
        rowStarted = false;
        return this;
    }

    /** Sends the rows (if any) in the caller's transaction. */
    public void copy(Connection connection) throws SQLException {
        if (rows == 0) {
            return;
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        try {
            connection.unwrap(PGConnection.class).getCopyAPI()
                    .copyIn("copy " + table + " (" + columns + ") from stdin", new ByteArrayInputStream(bytes));
        } catch (java.io.IOException e) {
            throw new SQLException("COPY into " + table + " failed", e);
        }
        text.setLength(0);
        rows = 0;
    }
}
