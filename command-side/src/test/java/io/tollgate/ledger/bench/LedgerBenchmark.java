package io.tollgate.ledger.bench;

import io.tollgate.events.GrantSource;
import io.tollgate.ledger.api.Commands.GrantCredits;
import io.tollgate.ledger.api.Commands.OpenAccount;
import io.tollgate.ledger.api.Commands.ReserveCredits;
import io.tollgate.ledger.api.Commands.SettleRequest;
import io.tollgate.ledger.api.ModelRate;
import io.tollgate.ledger.api.ReservationOutcome;
import io.tollgate.ledger.api.TokenUsage;
import io.tollgate.ledger.testing.LedgerTestApplication;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import javax.sql.DataSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntFunction;

/**
 * Load run of the ledger's hot path: reserve + settle pairs through the real command bus, event store
 * and PostgreSQL, next to a baseline measured in the same run on the same database: one single-row
 * INSERT + COMMIT per operation. Prints throughput and latency percentiles; nothing is asserted.
 * <p>
 * Run: {@code ./tollgate bench} (arguments: seconds per scenario, concurrent callers).
 */
public final class LedgerBenchmark {
    private static final ModelRate RATE = new ModelRate(1_000_000, 1_000_000);
    private static final TokenUsage USAGE = new TokenUsage(10, 10, 0, 0, false);

    private LedgerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int callers = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        try (ConfigurableApplicationContext ledger = LedgerTestApplication.start(
                "tollgate.ledger.bench." + UUID.randomUUID(), "--logging.level.root=WARN",
                // A benchmark measures how long commands take; it does not give up on a slow one.
                "--tollgate.ledger.commit.answer-timeout=5m")) {
            CommandGateway commands = ledger.getBean(CommandGateway.class);
            JdbcClient jdbc = JdbcClient.create(ledger.getBean(DataSource.class));
            jdbc.sql("create table if not exists ledger.bench_baseline (id bigserial primary key, payload text)").update();

            String hot = openAccount(commands);
            List<String> spread = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                spread.add(openAccount(commands));
            }
            // Warm-up: load every account into the cache and let the JIT settle.
            run(commands, callers, 3, i -> spread.get(i % spread.size()));

            System.out.printf("%n%d s per scenario, %d concurrent callers, %d cores%n", seconds, callers,
                    Runtime.getRuntime().availableProcessors());
            IntFunction<String> anyOfThousand = i -> spread.get(ThreadLocalRandom.current().nextInt(spread.size()));
            Result baseline = runBaseline(jdbc, callers, seconds);
            report("baseline: INSERT+COMMIT per op", baseline, "ops", baseline);
            report("reserve+settle, one hot account", run(commands, callers, seconds, i -> hot), "pairs", baseline);
            report("reserve+settle, 1,000 accounts", run(commands, callers, seconds, anyOfThousand), "pairs", baseline);
            System.out.printf("%nOne caller at a time (latency without queueing):%n");
            Result baselineAlone = runBaseline(jdbc, 1, seconds);
            report("baseline: INSERT+COMMIT per op", baselineAlone, "ops", baselineAlone);
            report("reserve+settle, 1,000 accounts", run(commands, 1, seconds, anyOfThousand), "pairs", baselineAlone);
            jdbc.sql("drop table ledger.bench_baseline").update();
        }
    }

    private static String openAccount(CommandGateway commands) {
        String account = "acct-bench-" + UUID.randomUUID();
        commands.sendAndWait(new OpenAccount(account, "Benchmark", "bench"));
        commands.sendAndWait(new GrantCredits(account, "g", Long.MAX_VALUE / 4, GrantSource.ADMIN, null, "bench"));
        return account;
    }

    /** Every operation's latency in nanoseconds, sorted, and how long the run took. */
    private record Result(long[] sortedLatencies, double wallSeconds) {
    }

    private static Result run(CommandGateway commands, int callers, int seconds, IntFunction<String> accountFor)
            throws Exception {
        return measure(callers, seconds, counter -> {
            String account = accountFor.apply(counter);
            String requestId = "req-" + UUID.randomUUID();
            var outcome = (ReservationOutcome) commands.sendAndWait(new ReserveCredits(account, requestId, "key",
                    "mock", "m", "openai.chat", false, 10, 10, 10, 10, RATE, Duration.ofMinutes(10)));
            if (!(outcome instanceof ReservationOutcome.Reserved)) {
                throw new IllegalStateException("benchmark account ran dry: " + outcome);
            }
            commands.sendAndWait(new SettleRequest(account, requestId, "mock", "m", USAGE, List.of()));
        });
    }

    private static Result runBaseline(JdbcClient jdbc, int callers, int seconds) throws Exception {
        return measure(callers, seconds, counter ->
                jdbc.sql("insert into ledger.bench_baseline (payload) values (?)").param("x").update());
    }

    private interface Operation {
        void run(int counter) throws Exception;
    }

    /** Runs the operation from `callers` virtual threads for `seconds`. */
    private static Result measure(int callers, int seconds, Operation operation) throws Exception {
        long started = System.nanoTime();
        long deadline = started + Duration.ofSeconds(seconds).toNanos();
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        List<Future<long[]>> perCaller = new ArrayList<>();
        for (int c = 0; c < callers; c++) {
            perCaller.add(pool.submit(() -> {
                long[] latencies = new long[1 << 16];
                int n = 0;
                while (System.nanoTime() < deadline) {
                    long start = System.nanoTime();
                    operation.run(n);
                    if (n == latencies.length) {
                        latencies = Arrays.copyOf(latencies, n * 2);
                    }
                    latencies[n++] = System.nanoTime() - start;
                }
                return Arrays.copyOf(latencies, n);
            }));
        }
        List<long[]> all = new ArrayList<>();
        for (Future<long[]> f : perCaller) {
            all.add(f.get());
        }
        pool.shutdown();
        double wallSeconds = (System.nanoTime() - started) / 1e9;
        return new Result(all.stream().flatMapToLong(Arrays::stream).sorted().toArray(), wallSeconds);
    }

    private static void report(String name, Result result, String unit, Result baseline) {
        long[] latencies = result.sortedLatencies();
        double rate = latencies.length / result.wallSeconds();
        double baselineRate = baseline.sortedLatencies().length / baseline.wallSeconds();
        System.out.printf("%-34s %8d %-5s %8.0f/s (%.3f × baseline)  p50 %7.2f ms  p99 %7.2f ms%n", name,
                latencies.length, unit, rate, rate / baselineRate, percentile(latencies, 0.50),
                percentile(latencies, 0.99));
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))] / 1e6;
    }
}
