package io.tollgate.views.history;

import java.io.IOException;
import io.tollgate.views.billing.KnownAccounts;
import io.tollgate.views.period.KeysetCursor;
import io.tollgate.views.period.Period;
import io.tollgate.views.projection.support.Sql;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

import javax.sql.DataSource;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Call history of one account, newest first. Pages are keyset-paginated on (accepted_at, request_id): the
 * response carries the next page's opaque cursor in X-Next-Cursor (absent on the last page), and the body
 * stays a plain JSON array. The CSV export streams every matching row through a server-side cursor, so
 * its size is bounded by neither memory nor a page limit.
 */
@RestController
@RequestMapping("/api/views/accounts/{accountId}")
class RequestHistoryController {
    private static final int MAX_PAGE = 500;
    private static final int CSV_FETCH_SIZE = 1_000;

    private final JdbcClient jdbc;
    private final DataSource dataSource;
    private final KnownAccounts accounts;

    RequestHistoryController(JdbcClient jdbc, DataSource dataSource, KnownAccounts accounts) {
        this.jdbc = jdbc;
        this.dataSource = dataSource;
        this.accounts = accounts;
    }

    @GetMapping("/requests")
    ResponseEntity<List<RequestRow>> requests(@PathVariable String accountId,
                                              @RequestParam(required = false) String status,
                                              @RequestParam(required = false) String model,
                                              @RequestParam(required = false) String key,
                                              @RequestParam(required = false) String app,
                                              @RequestParam(required = false) String from,
                                              @RequestParam(required = false) String to,
                                              @RequestParam(required = false) String tz,
                                              @RequestParam(required = false) Long minDurationMs,
                                              @RequestParam(defaultValue = "50") int limit,
                                              @RequestParam(required = false) String cursor) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw Period.badRequest("limit must be between 1 and " + MAX_PAGE);
        }
        accounts.require(accountId);
        RequestFilter filter = RequestFilter.of(accountId, status, model, key, app, from, to, tz, minDurationMs);
        List<Object> params = new ArrayList<>();
        String where = filter.where(params);
        if (cursor != null) {
            String[] after = KeysetCursor.decode(cursor, 2);
            where += " and (r.accepted_at, r.request_id) < (" + Sql.timestamp("?") + ", ?)";
            params.add(parseMicros(after[0]));
            params.add(after[1]);
        }
        params.add(limit + 1);
        List<Object[]> rows = jdbc.sql("select " + RequestRow.COLUMNS + ", " + micros("r.accepted_at")
                        + " from views.requests r where " + where
                        + " order by r.accepted_at desc, r.request_id desc limit ?")
                .params(params)
                .query((rs, n) -> new Object[]{RequestRow.read(rs), rs.getLong(21)})
                .list();
        List<RequestRow> page = rows.stream().limit(limit).map(r -> (RequestRow) r[0]).toList();
        HttpHeaders headers = new HttpHeaders();
        if (rows.size() > limit) {
            Object[] last = rows.get(limit - 1);
            headers.add(KeysetCursor.NEXT_HEADER, KeysetCursor.encode(Long.toString((Long) last[1]),
                    ((RequestRow) last[0]).requestId()));
        }
        return ResponseEntity.ok().headers(headers).body(page);
    }

    @GetMapping("/requests.csv")
    ResponseEntity<StreamingResponseBody> requestsCsv(@PathVariable String accountId,
                                                      @RequestParam(required = false) String status,
                                                      @RequestParam(required = false) String model,
                                                      @RequestParam(required = false) String key,
                                                      @RequestParam(required = false) String app,
                                                      @RequestParam(required = false) String from,
                                                      @RequestParam(required = false) String to,
                                                      @RequestParam(required = false) String tz,
                                                      @RequestParam(required = false) Long minDurationMs) {
        accounts.require(accountId);
        RequestFilter filter = RequestFilter.of(accountId, status, model, key, app, from, to, tz, minDurationMs);
        StreamingResponseBody body = out -> {
            List<Object> params = new ArrayList<>();
            String sql = "select " + RequestRow.COLUMNS + " from views.requests r where " + filter.where(params)
                    + " order by r.accepted_at desc, r.request_id desc";
            Writer csv = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 64 * 1024);
            csv.write("request_id,api_key_id,provider,model,status,http_status,stream,attempts,input_tokens,"
                    + "output_tokens,cached_tokens,estimated,credits,refunded,latency_ms,ttfb_ms,error,accepted_at,finished_at,"
                    + "app_id\n");
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
                            writeRow(csv, RequestRow.read(rs));
                        }
                    }
                } finally {
                    connection.rollback();
                }
            } catch (SQLException e) {
                throw new IllegalStateException("CSV export of " + accountId + " failed", e);
            }
            csv.flush();
        };
        return ResponseEntity.ok()
                .contentType(new MediaType("text", "csv", StandardCharsets.UTF_8))
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"requests-" + accountId.replaceAll("[^A-Za-z0-9._-]", "_") + ".csv\"")
                .body(body);
    }

    private static void writeRow(Writer csv, RequestRow r) throws IOException {
        Object[] values = {r.requestId(), r.apiKeyId(), r.provider(), r.model(), r.status(), r.httpStatus(), r.stream(),
                r.attempts(), r.inputTokens(), r.outputTokens(), r.cachedTokens(), r.estimated(),
                r.credits() == null ? null : r.credits().toPlainString(),
                r.refunded() == null ? null : r.refunded().toPlainString(), r.latencyMillis(), r.ttfbMillis(),
                r.error(), r.acceptedAt(), r.finishedAt(), r.appId()};
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                csv.write(',');
            }
            csv.write(field(values[i]));
        }
        csv.write('\n');
    }

    /** RFC 4180 quoting; a leading = + - @ is defused so that spreadsheets do not run it as a formula. */
    static String field(Object value) {
        if (value == null) {
            return "";
        }
        String text = value.toString();
        if (value instanceof String && !text.isEmpty() && "=+-@".indexOf(text.charAt(0)) >= 0) {
            text = "'" + text;
        }
        if (text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")) {
            return '"' + text.replace("\"", "\"\"") + '"';
        }
        return text;
    }

    private static String micros(String column) {
        return "(extract(epoch from " + column + ") * 1000000)::int8";
    }

    private static long parseMicros(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw Period.badRequest("not a cursor of this list");
        }
    }
}
