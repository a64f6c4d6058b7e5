package io.tollgate.views.history;

import io.tollgate.views.projection.support.Sql;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import javax.sql.DataSource;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** The SQL behind {@link RequestHistoryController}: reads of views.requests, newest first. */
@Component
class RequestHistoryQueries {
    private static final int CSV_FETCH_SIZE = 1_000;

    private final JdbcClient jdbc;
    private final DataSource dataSource;

    RequestHistoryQueries(JdbcClient jdbc, DataSource dataSource) {
        this.jdbc = jdbc;
        this.dataSource = dataSource;
    }

    /** A row with its keyset position: accepted_at in epoch microseconds (the request id breaks ties). */
    record Keyed(RequestRow row, long acceptedMicros) {
    }

    /** At most {@code limit} rows, after the position (afterMicros, afterId) when given. */
    List<Keyed> page(RequestFilter filter, Long afterMicros, String afterId, int limit) {
        List<Object> params = new ArrayList<>();
        String where = filter.where(params);
        if (afterMicros != null) {
            where += " and (r.accepted_at, r.request_id) < (" + Sql.timestamp("?") + ", ?)";
            params.add(afterMicros);
            params.add(afterId);
        }
        params.add(limit);
        return jdbc.sql("select " + RequestRow.COLUMNS + ", " + micros("r.accepted_at")
                        + " from views.requests r where " + where
                        + " order by r.accepted_at desc, r.request_id desc limit ?")
                .params(params)
                .query((rs, n) -> new Keyed(RequestRow.read(rs), rs.getLong(21)))
                .list();
    }

    interface RowSink {
        void accept(RequestRow row) throws IOException;
    }

    /**
     * Every matching row, streamed through a server-side cursor so that neither memory nor a page limit bounds
     * the export.
     */
    void forEach(RequestFilter filter, RowSink sink) throws IOException {
        List<Object> params = new ArrayList<>();
        String sql = "select " + RequestRow.COLUMNS + " from views.requests r where " + filter.where(params)
                + " order by r.accepted_at desc, r.request_id desc";
        try (Connection connection = dataSource.getConnection()) {
            // PostgreSQL streams with a fetch size only inside a transaction.
            connection.setAutoCommit(false);
            try (PreparedStatement select = connection.prepareStatement(sql)) {
                select.setFetchSize(CSV_FETCH_SIZE);
                for (int i = 0; i < params.size(); i++) {
                    select.setObject(i + 1, params.get(i));
                }
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        sink.accept(RequestRow.read(rs));
                    }
                }
            } finally {
                connection.rollback();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("CSV export of " + filter.accountId() + " failed", e);
        }
    }

    private static String micros(String column) {
        return "(extract(epoch from " + column + ") * 1000000)::int8";
    }
}
