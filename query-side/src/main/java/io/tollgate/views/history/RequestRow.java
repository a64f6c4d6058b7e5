package io.tollgate.views.history;

import io.tollgate.events.support.Credits;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;

/**
 * One request of the call history.
 *
 * @param latencyMillis the upstream time: the sum of all attempts' durations
 * @param ttfbMillis    time to first byte of the last attempt that received one
 * @param error         the last attempt's error class, or the rejection reason
 * @param appId         the app the request was made for; null for none
 */
public record RequestRow(String requestId, String apiKeyId, String provider, String model, String status,
                         Integer httpStatus, Boolean stream, int attempts, Long inputTokens, Long outputTokens,
                         Long cachedTokens, Boolean estimated, BigDecimal credits, BigDecimal refunded,
                         Long latencyMillis, Long ttfbMillis, String error, Instant acceptedAt, Instant finishedAt,
                         String appId) {

    static final String COLUMNS = """
            r.request_id, r.api_key_id, r.provider, r.model, r.status, r.http_status, r.stream, r.attempts,
            r.input_tokens, r.output_tokens, r.cached_tokens, r.estimated, r.cost_micros, r.refunded_micros,
            r.duration_millis, r.ttfb_millis, r.error, r.accepted_at, r.finished_at, r.app_id""";

    static RequestRow read(ResultSet rs) throws SQLException {
        return new RequestRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getObject(6, Integer.class), rs.getObject(7, Boolean.class), rs.getInt(8),
                rs.getObject(9, Long.class), rs.getObject(10, Long.class), rs.getObject(11, Long.class),
                rs.getObject(12, Boolean.class), credits(rs, 13), credits(rs, 14), rs.getObject(15, Long.class),
                rs.getObject(16, Long.class), rs.getString(17), rs.getTimestamp(18).toInstant(),
                rs.getTimestamp(19) == null ? null : rs.getTimestamp(19).toInstant(), rs.getString(20));
    }

    private static BigDecimal credits(ResultSet rs, int column) throws SQLException {
        Long micros = rs.getObject(column, Long.class);
        return micros == null ? null : Credits.toCredits(micros);
    }
}
