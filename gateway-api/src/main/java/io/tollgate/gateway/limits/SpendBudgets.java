package io.tollgate.gateway.limits;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Spend per key and account per budget period (UTC day or calendar month), from the debits of settled
 * requests ({@code gateway.spend}). Admission refuses a subject whose spend reached its budget; requests
 * already admitted finish and are charged, so a period can end above its budget by what was in flight.
 */
@Component
class SpendBudgets {
    private final JdbcClient jdbc;

    SpendBudgets(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public static Instant periodStart(String period, Instant now) {
        LocalDate day = now.atZone(ZoneOffset.UTC).toLocalDate();
        return (period.equals("month") ? day.withDayOfMonth(1) : day).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    public static Instant periodEnd(String period, Instant now) {
        ZonedDateTime start = periodStart(period, now).atZone(ZoneOffset.UTC);
        return (period.equals("month") ? start.plusMonths(1) : start.plusDays(1)).toInstant();
    }

    public long spent(String subject, String period, Instant now) {
        return jdbc.sql("select spent_micros from gateway.spend where subject = ? and period_start = ?")
                .params(subject, Timestamp.from(periodStart(period, now)))
                .query(Long.class).optional().orElse(0L);
    }

    /** What each (subject, period) spent in its current period, in one query; absent: nothing. */
    public Map<String, Long> spent(List<Map.Entry<String, String>> subjectsAndPeriods, Instant now) {
        StringBuilder sql = new StringBuilder("select subject, spent_micros from gateway.spend where ");
        List<Object> params = new ArrayList<>();
        for (int i = 0; i < subjectsAndPeriods.size(); i++) {
            sql.append(i == 0 ? "" : " or ").append("(subject = ? and period_start = ?)");
            params.add(subjectsAndPeriods.get(i).getKey());
            params.add(Timestamp.from(periodStart(subjectsAndPeriods.get(i).getValue(), now)));
        }
        Map<String, Long> spent = new HashMap<>();
        jdbc.sql(sql.toString()).params(params).query(rs -> {
            spent.put(rs.getString(1), rs.getLong(2));
        });
        return spent;
    }

    public void charge(String subject, String period, Instant now, long micros) {
        if (micros <= 0) {
            return;
        }
        jdbc.sql("""
                        insert into gateway.spend (subject, period_start, spent_micros) values (?, ?, ?)
                        on conflict (subject, period_start)
                        do update set spent_micros = gateway.spend.spent_micros + excluded.spent_micros""")
                .params(subject, Timestamp.from(periodStart(period, now)), micros)
                .update();
    }
}
