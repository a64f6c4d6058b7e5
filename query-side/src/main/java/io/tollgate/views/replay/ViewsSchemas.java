package io.tollgate.views.replay;

import io.tollgate.views.projection.support.Sql;
import org.flywaydb.core.Flyway;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Creating view schemas with the live schema's own migrations, and swapping a rebuilt one in. */
public final class ViewsSchemas {
    public static final String LIVE = "views";
    public static final String REBUILD = "views_rebuild";

    private ViewsSchemas() {
    }

    /** The same Flyway migrations as the live schema, so a rebuild has exactly its tables. */
    public static void migrate(DataSource dataSource, String schema) {
        Flyway.configure()
                .dataSource(dataSource)
                .schemas(Sql.requireIdentifier(schema))
                .createSchemas(true)
                .locations("classpath:db/views")
                .load()
                .migrate();
    }

    public static void recreate(DataSource dataSource, String schema) throws SQLException {
        drop(dataSource, schema);
        migrate(dataSource, schema);
    }

    /**
     * Drops the indexes and index-backed constraints a bulk load does not need, and returns the statements
     * that re-create them exactly (names and definitions as the migrations made them, read back from the
     * catalog). Kept: the primary keys of {@code keep}, which upserts need as their conflict target and
     * lookups by key use.
     */
    public static List<String> dropIndexesExcept(DataSource dataSource, String schema, Set<String> keep)
            throws SQLException {
        List<String> recreate = new ArrayList<>();
        List<String> drop = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("""
                     select t.relname, i.relname, c.conname, c.contype,
                            case when c.oid is null then pg_get_indexdef(i.oid) else pg_get_constraintdef(c.oid) end
                     from pg_index x
                     join pg_class i on i.oid = x.indexrelid
                     join pg_class t on t.oid = x.indrelid
                     join pg_namespace n on n.oid = t.relnamespace
                     left join pg_constraint c on c.conindid = i.oid and c.contype in ('p', 'u')
                     where n.nspname = ? and t.relname <> 'flyway_schema_history'""")) {
            select.setString(1, schema);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    String table = rows.getString(1);
                    String constraint = rows.getString(3);
                    boolean primaryKey = "p".equals(rows.getString(4));
                    if (primaryKey && keep.contains(table)) {
                        continue;
                    }
                    String qualified = schema + "." + table;
                    if (constraint != null) {
                        drop.add("alter table " + qualified + " drop constraint " + constraint);
                        recreate.add("alter table " + qualified + " add constraint " + constraint + " " + rows.getString(5));
                    } else {
                        drop.add("drop index " + schema + "." + rows.getString(2));
                        recreate.add(rows.getString(5));
                    }
                }
            }
        }
        for (String statement : drop) {
            execute(dataSource, statement);
        }
        return recreate;
    }

    /**
     * One index of {@link #dropIndexesExcept}, with sort memory for it: the server's default (64 MB)
     * makes the sort of a few million rows spill to disk.
     */
    static void buildIndex(DataSource dataSource, String definition) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            statement.execute("set local maintenance_work_mem = '256MB'");
            statement.execute(definition);
            connection.commit();
        }
    }

    /** One statement of our own making (schema names are checked identifiers), in its own transaction. */
    static void execute(DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    public static void drop(DataSource dataSource, String schema) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("drop schema if exists " + Sql.requireIdentifier(schema) + " cascade");
        }
    }

    /**
     * Puts {@code rebuilt} in the place of {@code live} in one transaction. The live schema's position table
     * is locked first: that waits for the live consumer's batch in flight to commit and holds back its next
     * one until the swap is done; that batch then finds the rebuilt schema's positions, which differ from
     * its own, and the consumer continues from where the rebuild stopped (see ProjectionRunner). Readers
     * keep being served throughout: a query sees either the old schema or the new one. The old schema is
     * dropped afterwards, in its own transaction.
     */
    public static void swap(DataSource dataSource, String rebuilt, String live) throws SQLException {
        String retired = Sql.requireIdentifier(live + "_retired");
        drop(dataSource, retired);
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                if (tableExists(connection, live, "consumer_positions")) {
                    statement.execute("lock table " + live + ".consumer_positions in exclusive mode");
                }
                if (schemaExists(connection, live)) {
                    statement.execute("alter schema " + Sql.requireIdentifier(live) + " rename to " + retired);
                }
                statement.execute("alter schema " + Sql.requireIdentifier(rebuilt) + " rename to " + live);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
        drop(dataSource, retired);
    }

    private static boolean schemaExists(Connection connection, String schema) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "select exists (select 1 from pg_namespace where nspname = ?)")) {
            select.setString(1, schema);
            try (ResultSet rs = select.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static boolean tableExists(Connection connection, String schema, String table) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("select to_regclass(?) is not null")) {
            select.setString(1, schema + "." + table);
            try (ResultSet rs = select.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
