package io.tollgate.views.history;

import java.io.IOException;
import io.tollgate.views.billing.KnownAccounts;
import io.tollgate.views.period.KeysetCursor;
import io.tollgate.views.period.Period;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
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

    private final RequestHistoryQueries queries;
    private final KnownAccounts accounts;

    RequestHistoryController(RequestHistoryQueries queries, KnownAccounts accounts) {
        this.queries = queries;
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
        Long afterMicros = null;
        String afterId = null;
        if (cursor != null) {
            String[] after = KeysetCursor.decode(cursor, 2);
            afterMicros = parseMicros(after[0]);
            afterId = after[1];
        }
        List<RequestHistoryQueries.Keyed> rows = queries.page(filter, afterMicros, afterId, limit + 1);
        List<RequestRow> page = rows.stream().limit(limit).map(RequestHistoryQueries.Keyed::row).toList();
        HttpHeaders headers = new HttpHeaders();
        if (rows.size() > limit) {
            RequestHistoryQueries.Keyed last = rows.get(limit - 1);
            headers.add(KeysetCursor.NEXT_HEADER, KeysetCursor.encode(Long.toString(last.acceptedMicros()),
                    last.row().requestId()));
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
            Writer csv = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 64 * 1024);
            csv.write("request_id,api_key_id,provider,model,status,http_status,stream,attempts,input_tokens,"
                    + "output_tokens,cached_tokens,estimated,credits,refunded,latency_ms,ttfb_ms,error,accepted_at,finished_at,"
                    + "app_id\n");
            queries.forEach(filter, row -> writeRow(csv, row));
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

    private static long parseMicros(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw Period.badRequest("not a cursor of this list");
        }
    }
}
