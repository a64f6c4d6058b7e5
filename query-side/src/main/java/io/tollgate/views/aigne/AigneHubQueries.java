package io.tollgate.views.aigne;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The SQL behind {@link AigneHubViewsController}: reads of the billing and usage views. */
@Component
class AigneHubQueries {
    private final JdbcClient jdbc;

    AigneHubQueries(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    record Totals(long granted, long debited, long refunded, long expired, long adjusted) {
        long balance() {
            return granted - debited + refunded - expired + adjusted;
        }

        /** What the account was ever given to spend: balance + used. */
        long total() {
            return granted - expired + adjusted;
        }
    }

    /** One bucket of usage trends: its start in unix seconds and its sums. */
    record TrendRow(long timestamp, long calls, long succeeded, long timed, long millis, long creditMicros,
                    long tokens) {
    }

    Totals totals(String accountId) {
        return jdbc.sql("""
                        select granted_micros, debited_micros, refunded_micros, expired_micros, adjusted_micros
                        from views.accounts where account_id = ?""")
                .param(accountId)
                .query((rs, row) -> new Totals(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)))
                .single();
    }

    long grantCount(String accountId) {
        return jdbc.sql("select count(*) from views.ledger_lines where account_id = ? and kind = 'grant'")
                .param(accountId).query(Long.class).single();
    }

    private static final String DEBITS = "account_id = ? and kind = 'debit' and occurred_at >= ? and occurred_at < ?";

    long debitCount(String accountId, Instant from, Instant to) {
        return jdbc.sql("select count(*) from views.ledger_lines where " + DEBITS)
                .params(accountId, Timestamp.from(from), Timestamp.from(to)).query(Long.class).single();
    }

    /** The debits in [from, to), newest first, as Payment Kit's credit transactions. */
    List<Map<String, Object>> debits(String accountId, Instant from, Instant to, int limit, long offset) {
        return jdbc.sql("""
                        select event_id, occurred_at, amount_micros, balance_micros, request_id, provider, model
                        from views.ledger_lines where %s
                        order by line_no desc limit ? offset ?""".formatted(DEBITS))
                .params(accountId, Timestamp.from(from), Timestamp.from(to), limit, offset)
                .query((rs, row) -> {
                    Map<String, Object> item = new LinkedHashMap<>();
                    item.put("id", rs.getString("event_id"));
                    item.put("customer_id", accountId);
                    // A debit line takes credit away (negative); a transaction states what was consumed.
                    item.put("credit_amount", Long.toString(-rs.getLong("amount_micros")));
                    item.put("remaining_balance", Long.toString(rs.getLong("balance_micros")));
                    item.put("description", rs.getString("provider") + "/" + rs.getString("model"));
                    item.put("created_at", rs.getTimestamp("occurred_at").toInstant().toString());
                    Map<String, Object> metadata = new LinkedHashMap<>();
                    metadata.put("requestId", rs.getString("request_id"));
                    metadata.put("provider", rs.getString("provider"));
                    metadata.put("model", rs.getString("model"));
                    item.put("metadata", metadata);
                    return item;
                })
                .list();
    }

    /** Credits spent less refunds in the hours from {@code fromHour} to {@code to} (inclusive), in micros. */
    long netSpend(String accountId, Instant fromHour, Instant to) {
        return jdbc.sql("""
                        select coalesce(sum(credits_micros - refunded_micros), 0) from views.usage_hourly
                        where account_id = ? and hour >= ? and hour <= ?""")
                .params(accountId, Timestamp.from(fromHour), Timestamp.from(to))
                .query(Long.class).single();
    }

    /** Every account's usage in buckets of {@code sizeSeconds}, of the hours from {@code from} to {@code to}. */
    List<TrendRow> trends(long sizeSeconds, Instant from, Instant to) {
        return jdbc.sql("""
                        select floor(extract(epoch from hour) / ?)::int8 * ?, sum(requests), sum(succeeded),
                               sum(latency_count), sum(latency_sum_millis), sum(credits_micros - refunded_micros),
                               sum(input_tokens + output_tokens)
                        from views.usage_hourly where hour >= ? and hour <= ? group by 1""")
                .params(sizeSeconds, sizeSeconds, Timestamp.from(from), Timestamp.from(to))
                .query((rs, row) -> new TrendRow(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
                        rs.getLong(5), rs.getLong(6), rs.getLong(7)))
                .list();
    }
}
