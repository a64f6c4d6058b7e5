package io.tollgate.views.cli;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.tollgate.events.support.Topics;
import io.tollgate.views.audit.LedgerAudit;
import io.tollgate.views.replay.LiveBenchmark;
import io.tollgate.views.replay.Progress;
import io.tollgate.views.replay.ReplayBenchmark;
import io.tollgate.views.replay.ViewsReplay;
import io.tollgate.views.replay.ViewsSchemas;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The query side's command line: {@code replay}, {@code audit} and {@code bench-replay}. Plain JDBC and
 * Kafka clients, no Spring context, so that it starts fast and never joins the live consumer group.
 * Run by {@code ./tollgate replay|audit|bench-replay}.
 */
@Command(name = "tollgate-views", mixinStandardHelpOptions = true,
        subcommands = {TollgateViewsCli.Replay.class, TollgateViewsCli.Audit.class, TollgateViewsCli.BenchReplay.class,
                TollgateViewsCli.BenchLive.class},
        description = "Rebuild, audit and benchmark the query side's views.")
public class TollgateViewsCli implements Runnable {
    @Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // Outside Spring nothing configures logging; the Kafka clients would log every setting at INFO.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.WARN);
        System.exit(new CommandLine(new TollgateViewsCli()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where the database and the broker are; the same environment variables the query side reads. */
    public static class Connections {
        @Option(names = "--db-url", defaultValue = "${env:TOLLGATE_DB_URL:-jdbc:postgresql://127.0.0.1:5432/tollgate}",
                description = "JDBC URL (default: $TOLLGATE_DB_URL or the local tollgate database)")
        String dbUrl;

        @Option(names = "--db-user", defaultValue = "${env:TOLLGATE_DB_USER:-tollgate}")
        String dbUser;

        @Option(names = "--db-password", defaultValue = "${env:TOLLGATE_DB_PASSWORD:-tollgate}")
        String dbPassword;

        @Option(names = "--kafka", defaultValue = "${env:TOLLGATE_KAFKA_BOOTSTRAP:-127.0.0.1:9092}")
        String kafka;

        @Option(names = "--topic", defaultValue = Topics.LEDGER, description = "the ledger topic (default ${DEFAULT-VALUE})")
        String topic;

        HikariDataSource dataSource() {
            return dataSource(4);
        }

        /** @param connections one per writer lane, and a few for positions and the swap */
        HikariDataSource dataSource(int connections) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(dbUrl);
            config.setUsername(dbUser);
            config.setPassword(dbPassword);
            config.setMaximumPoolSize(Math.max(4, connections));
            config.setPoolName("tollgate-views-cli");
            return new HikariDataSource(config);
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Rebuild every view from offset 0 into a fresh schema, then swap it in atomically.")
    static class Replay implements Callable<Integer> {
        @Mixin
        Connections connections;

        @Option(names = "--schema", defaultValue = ViewsSchemas.LIVE, description = "the live schema (default ${DEFAULT-VALUE})")
        String schema;

        @Option(names = "--rebuild-schema", defaultValue = ViewsSchemas.REBUILD,
                description = "where to rebuild (default ${DEFAULT-VALUE}); dropped and re-created first")
        String rebuildSchema;

        @Option(names = "--no-swap", description = "rebuild only; leave the live views as they are")
        boolean noSwap;

        @Option(names = "--writers", defaultValue = "6",
                description = "parallel writer lanes, at most one per partition (default ${DEFAULT-VALUE})")
        int writers;

        @Option(names = "--batch", defaultValue = "10000", description = "records per poll and transaction")
        int batch;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            var out = spec.commandLine().getOut();
            try (HikariDataSource dataSource = connections.dataSource(writers + 2)) {
                ViewsReplay.Result result = new ViewsReplay(dataSource, connections.kafka, connections.topic, batch, writers)
                        .rebuild(rebuildSchema, new Progress(System.err, "replay", 0));
                out.printf("rebuilt %s from %s: %,d records, %,d events applied, in %.1f s (%,.0f events/s)%n",
                        rebuildSchema, connections.topic, result.records(), result.freshEvents(),
                        result.took().toMillis() / 1000.0, result.recordsPerSecond());
                if (!noSwap) {
                    ViewsSchemas.swap(dataSource, rebuildSchema, schema);
                    out.printf("swapped %s in as %s; the live consumer continues from the rebuild's positions%n",
                            rebuildSchema, schema);
                }
                out.flush();
                return 0;
            }
        }
    }

    @Command(name = "audit", mixinStandardHelpOptions = true,
            description = "Compare the billing views with the ledger in the event store, account by account; "
                    + "print every difference; exit 1 on any.")
    static class Audit implements Callable<Integer> {
        @Mixin
        Connections connections;

        @Option(names = "--views-schema", defaultValue = ViewsSchemas.LIVE)
        String viewsSchema;

        @Option(names = "--ledger-schema", defaultValue = "ledger", description = "the Axon event store's schema")
        String ledgerSchema;

        @Option(names = "--account", description = "audit only these accounts (repeatable); default: all")
        List<String> accounts = List.of();

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (HikariDataSource dataSource = connections.dataSource()) {
                int differences = new LedgerAudit(dataSource, ledgerSchema, viewsSchema)
                        .run(new LinkedHashSet<>(accounts), spec.commandLine().getOut());
                return differences == 0 ? 0 : 1;
            }
        }
    }

    @Command(name = "bench-live", mixinStandardHelpOptions = true,
            description = "Publish requests at a steady rate while the live consumer projects them; settle-to-visible"
                    + " latency and CPU per request.")
    static class BenchLive implements Callable<Integer> {
        @Mixin
        Connections connections;

        @Parameters(index = "0", defaultValue = "1000", description = "requests per second (default ${DEFAULT-VALUE})")
        int rate;

        @Parameters(index = "1", defaultValue = "30", description = "seconds (default ${DEFAULT-VALUE})")
        int seconds;

        @Option(names = "--accounts", defaultValue = "1000")
        int accounts;

        @Option(names = "--partitions", defaultValue = "6")
        int partitions;

        @Override
        public Integer call() throws Exception {
            try (HikariDataSource dataSource = connections.dataSource()) {
                new LiveBenchmark(dataSource, connections.kafka, new PrintStream(System.out, true))
                        .run(rate, seconds, accounts, partitions);
                return 0;
            }
        }
    }

    @Command(name = "bench-replay", mixinStandardHelpOptions = true,
            description = "Generate a ledger, then measure raw Kafka consumption and replay into every view (median of 3).")
    static class BenchReplay implements Callable<Integer> {
        @Mixin
        Connections connections;

        @Parameters(index = "0", defaultValue = "1000000", description = "events to generate (default ${DEFAULT-VALUE})")
        long events;

        @Option(names = "--accounts", defaultValue = "10000")
        int accounts;

        @Option(names = "--partitions", defaultValue = "6", description = "as the gateway creates the ledger topic")
        int partitions;

        @Option(names = "--batch", defaultValue = "10000", description = "records per poll and transaction")
        int batch;

        @Option(names = "--writers", defaultValue = "6",
                description = "parallel writer lanes, at most one per partition (default ${DEFAULT-VALUE})")
        int writers;

        @Override
        public Integer call() throws Exception {
            try (HikariDataSource dataSource = connections.dataSource(writers + 2)) {
                new ReplayBenchmark(dataSource, connections.kafka, new PrintStream(System.out, true))
                        .run(events, accounts, partitions, batch, writers);
                return 0;
            }
        }
    }
}
