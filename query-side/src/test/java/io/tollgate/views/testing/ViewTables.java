package io.tollgate.views.testing;

import org.springframework.jdbc.core.simple.JdbcClient;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Row-for-row comparison of view tables in two schemas, restricted to the accounts a test run wrote. */
public final class ViewTables {
    /** Every table whose rows are a pure function of the log (processed_events has a wall-clock column). */
    public static final List<String> DETERMINISTIC = List.of("accounts", "ledger_lines", "requests", "usage_hourly", "leases");

    private ViewTables() {
    }

    /** Rows in one schema and not in the other, both ways, counting duplicates ("except all"). */
    public static long differingRows(JdbcClient jdbc, String table, String left, String right, Collection<String> accounts) {
        String[] ids = accounts.toArray(String[]::new);
        return jdbc.sql("""
                        select count(*) from (
                            (select * from %2$s.%1$s where account_id = any(:ids) except all
                             select * from %3$s.%1$s where account_id = any(:ids))
                            union all
                            (select * from %3$s.%1$s where account_id = any(:ids) except all
                             select * from %2$s.%1$s where account_id = any(:ids))) differences"""
                        .formatted(table, left, right))
                .param("ids", ids)
                .query(Long.class)
                .single();
    }

    public static long rows(JdbcClient jdbc, String schema, String table, Collection<String> accounts) {
        return jdbc.sql("select count(*) from %s.%s where account_id = any(:ids)".formatted(schema, table))
                .param("ids", accounts.toArray(String[]::new))
                .query(Long.class)
                .single();
    }

    /** Each partition's stored position for the topic in a schema. */
    public static Map<Integer, Long> positions(JdbcClient jdbc, String schema, String topic) {
        Map<Integer, Long> positions = new TreeMap<>();
        jdbc.sql("select partition, next_offset from %s.consumer_positions where topic = ?".formatted(schema))
                .param(topic)
                .query((rs, n) -> positions.put(rs.getInt(1), rs.getLong(2)))
                .list();
        return positions;
    }
}
