package io.tollgate.views.api;

import io.tollgate.events.Credits;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/** Read API over the projections. Amounts are credits (exact decimals). */
@RestController
@RequestMapping("/api/views/accounts/{accountId}")
class AccountViewsController {
    private static final int MAX_PAGE = 500;

    private final JdbcClient jdbc;

    AccountViewsController(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** @param balance granted − debited; available additionally subtracts what pending requests hold */
    record Balance(String accountId, String displayName, BigDecimal granted, BigDecimal debited,
                   BigDecimal reserved, BigDecimal balance, BigDecimal available) {
    }

    record Usage(String accountId, long requests, long succeeded, long failed, long rejected, long inputTokens,
                 long outputTokens, BigDecimal credits) {
    }

    record RequestRow(String requestId, String provider, String model, String status, Boolean stream,
                      Long inputTokens, Long outputTokens, Boolean estimated, BigDecimal credits,
                      Long latencyMillis, Long ttfbMillis, String error, Instant acceptedAt, Instant finishedAt) {
    }

    @GetMapping("/balance")
    Balance balance(@PathVariable String accountId) {
        return jdbc.sql("""
                        select display_name, granted_micros, debited_micros, reserved_micros
                        from views.account_balances where account_id = ?""")
                .param(accountId)
                .query((rs, row) -> {
                    long granted = rs.getLong(2);
                    long debited = rs.getLong(3);
                    long reserved = rs.getLong(4);
                    return new Balance(accountId, rs.getString(1), Credits.toCredits(granted),
                            Credits.toCredits(debited), Credits.toCredits(reserved),
                            Credits.toCredits(granted - debited), Credits.toCredits(granted - debited - reserved));
                })
                .optional()
                .orElseThrow(() -> unknown(accountId));
    }

    @GetMapping("/usage")
    Usage usage(@PathVariable String accountId) {
        return jdbc.sql("""
                        select requests, succeeded, failed, rejected, input_tokens, output_tokens, cost_micros
                        from views.account_usage where account_id = ?""")
                .param(accountId)
                .query((rs, row) -> new Usage(accountId, rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
                        rs.getLong(5), rs.getLong(6), Credits.toCredits(rs.getLong(7))))
                .optional()
                .orElseThrow(() -> unknown(accountId));
    }

    @GetMapping("/requests")
    List<RequestRow> requests(@PathVariable String accountId, @RequestParam(defaultValue = "50") int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "limit must be between 1 and " + MAX_PAGE);
        }
        List<RequestRow> page = jdbc.sql("""
                        select request_id, provider, model, status, stream, input_tokens, output_tokens, estimated,
                               cost_micros, latency_millis, ttfb_millis, error, accepted_at, finished_at
                        from views.requests where account_id = ? order by accepted_at desc, request_id desc limit ?""")
                .params(accountId, limit)
                .query((rs, row) -> new RequestRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getObject(5, Boolean.class), rs.getObject(6, Long.class), rs.getObject(7, Long.class),
                        rs.getObject(8, Boolean.class),
                        rs.getObject(9) == null ? null : Credits.toCredits(rs.getLong(9)),
                        rs.getObject(10, Long.class), rs.getObject(11, Long.class), rs.getString(12),
                        rs.getTimestamp(13).toInstant(),
                        rs.getTimestamp(14) == null ? null : rs.getTimestamp(14).toInstant()))
                .list();
        if (page.isEmpty() && !known(accountId)) {
            // As balance and usage do: an empty page means "no requests yet", never "no such account".
            throw unknown(accountId);
        }
        return page;
    }

    private boolean known(String accountId) {
        return jdbc.sql("""
                        select exists (select 1 from views.account_balances where account_id = :id)
                            or exists (select 1 from views.account_usage where account_id = :id)""")
                .param("id", accountId)
                .query(Boolean.class)
                .single();
    }

    private static ResponseStatusException unknown(String accountId) {
        return new ResponseStatusException(HttpStatus.NOT_FOUND, "no account '" + accountId + "' in the views");
    }
}
