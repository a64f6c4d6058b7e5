package io.tollgate.views.replay;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.CreditsGranted;
import io.tollgate.events.AccountOpened;
import io.tollgate.events.codec.EventCodec;
import io.tollgate.events.support.EventIds;
import io.tollgate.events.GrantSource;
import io.tollgate.events.LeaseGranted;
import io.tollgate.events.ProviderCalled;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.TokensConsumed;
import io.tollgate.events.TollgateEvent;
import io.tollgate.events.support.Topics;
import io.tollgate.views.projection.LiveLedgerConsumer;
import io.tollgate.views.ViewsProperties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.boot.autoconfigure.kafka.KafkaProperties;

import javax.sql.DataSource;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The live benchmark: the query side's own consumer (LiveLedgerConsumer, as in the application) projects a
 * fresh topic into a fresh schema while requests in the gateway's shape (accepted on a lease, a provider
 * call, tokens, a debit: all produced at settle time with occurredAt = now) are published at a steady rate.
 * Reports settle-to-visible (the application's timer) and the CPU the projection costs per request: the
 * consumer thread's, and the PostgreSQL backend's that serves it (its /proc stat; one connection).
 */
public final class LiveBenchmark {
    private static final String SCHEMA = "views_live_bench";
    private static final long CLOCK_TICKS = 100;

    private final DataSource dataSource;
    private final String bootstrapServers;
    private final PrintStream out;

    public LiveBenchmark(DataSource dataSource, String bootstrapServers, PrintStream out) {
        this.dataSource = dataSource;
        this.bootstrapServers = bootstrapServers;
        this.out = out;
    }

    public void run(int requestsPerSecond, int seconds, int accounts, int partitions) throws Exception {
        String topic = "tollgate.bench.live." + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
            ViewsSchemas.recreate(dataSource, SCHEMA);
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            KafkaProperties kafka = new KafkaProperties();
            kafka.setBootstrapServers(List.of(bootstrapServers));
            ViewsProperties properties = new ViewsProperties(topic, "tollgate-live-bench-" + UUID.randomUUID(), "x",
                    2_000, ViewsProperties.DEFAULT_DEDUPE_WINDOW, Duration.ofMillis(100));
            LiveLedgerConsumer consumer = new LiveLedgerConsumer(properties, kafka, dataSource, meters, SCHEMA);
            try (KafkaProducer<String, byte[]> producer = producer()) {
                EventCodec codec = new EventCodec();
                consumer.start();
                // Accounts with credit and a lease each, before the clock starts.
                for (int a = 0; a < accounts; a++) {
                    Instant now = Instant.now();
                    String account = "live-" + a;
                    send(producer, codec, topic, new AccountOpened(EventIds.next(), now, account, "Live " + a, "bench"));
                    send(producer, codec, topic, new CreditsGranted(EventIds.next(), now, account, "g-" + a,
                            1_000_000_000L, GrantSource.PROMOTION, null, "bench"));
                    send(producer, codec, topic, new LeaseGranted(EventIds.next(), now, account, "lease-" + a, "gw-1",
                            500_000_000L, now.plusSeconds(3_600)));
                }
                producer.flush();
                Thread.sleep(3_000);
                Timer visible = meters.get("tollgate.views.settle.visible").timer();
                long warmCount = visible.count();

                ThreadMXBean threads = ManagementFactory.getThreadMXBean();
                long consumerThread = consumerThreadId();
                long jvmCpuBefore = threads.getThreadCpuTime(consumerThread);
                Map<Integer, Long> pgBefore = backendTicks();
                SplittableRandom random = new SplittableRandom(7);
                long started = System.nanoTime();
                long sent = 0;
                long requests = (long) requestsPerSecond * seconds;
                for (long r = 0; r < requests; r++) {
                    long due = started + r * 1_000_000_000L / requestsPerSecond;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    int a = random.nextInt(accounts);
                    String account = "live-" + a, lease = "lease-" + a, request = "live-req-" + r;
                    Instant now = Instant.now();
                    for (TollgateEvent e : List.of(
                            new RequestAccepted(EventIds.next(), now, account, request, "key-1", "mock", "gpt-4o",
                                    "openai.chat", false, 300, 1_024, 90_000, lease),
                            new ProviderCalled(EventIds.next(), now, account, request, "mock", "gpt-4o", "cred-1", 1,
                                    200, 200 + random.nextInt(800), 50L, null),
                            new TokensConsumed(EventIds.next(), now, account, request, "mock", "gpt-4o", 300, 120, 0, 0,
                                    false),
                            new CreditsDebited(EventIds.next(), now, account, request, 1_950, "mock", "gpt-4o", lease))) {
                        send(producer, codec, topic, e);
                        sent++;
                    }
                }
                producer.flush();
                double took = (System.nanoTime() - started) / 1e9;
                // Wait until every settlement is visible.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (visible.count() - warmCount < requests && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                long jvmCpu = threads.getThreadCpuTime(consumerThread) - jvmCpuBefore;
                Map<Integer, Long> pgAfter = backendTicks();
                if (Boolean.getBoolean("tollgate.views.profile")) {
                    out.println("  backends before " + pgBefore + ", after " + pgAfter);
                }
                long pgTicks = 0;
                for (var entry : pgAfter.entrySet()) {
                    pgTicks += entry.getValue() - pgBefore.getOrDefault(entry.getKey(), 0L);
                }
                var snapshot = visible.takeSnapshot();
                out.printf("live projection of %,d requests (%,d events) at %,.0f requests/s over %d accounts, %d partitions:%n",
                        requests, sent, requests / took, accounts, partitions);
                out.printf("  settle-to-visible (%,d settlements): mean %.0f ms, max %.0f ms%n", visible.count() - warmCount,
                        snapshot.mean(TimeUnit.MILLISECONDS), snapshot.max(TimeUnit.MILLISECONDS));
                for (ValueAtPercentile p : snapshot.percentileValues()) {
                    out.printf("    p%.0f %.0f ms%n", p.percentile() * 100, p.value(TimeUnit.MILLISECONDS));
                }
                out.printf("  CPU per request: consumer thread %.3f ms, its PostgreSQL backend(s) %.3f ms%n",
                        jvmCpu / 1e6 / requests, pgTicks * (1000.0 / CLOCK_TICKS) / requests);
            } finally {
                consumer.stop();
                admin.deleteTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
                ViewsSchemas.drop(dataSource, SCHEMA);
            }
        }
    }

    private long consumerThreadId() {
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().equals("views-ledger-consumer")) {
                return thread.threadId();
            }
        }
        throw new IllegalStateException("no consumer thread");
    }

    /**
     * utime + stime (clock ticks) of every backend connected to this database as this benchmark's user. The
     * server may see other process ids than this host (a PID namespace), so backends are found by their
     * process title, which names the client's port.
     */
    private Map<Integer, Long> backendTicks() throws Exception {
        Map<Integer, Long> ticks = new java.util.HashMap<>();
        java.util.Set<String> ports = new java.util.HashSet<>();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("select client_port from pg_stat_activity where datname = current_database()"
                     + " and usename = current_user and client_port is not null")) {
            while (rows.next()) {
                ports.add("(" + rows.getInt(1) + ")");
            }
        }
        List<Integer> pids = new java.util.ArrayList<>();
        try (var processes = Files.list(Path.of("/proc"))) {
            for (Path process : (Iterable<Path>) processes::iterator) {
                String name = process.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String title = new String(Files.readAllBytes(process.resolve("cmdline")), StandardCharsets.UTF_8);
                    if (title.startsWith("postgres: ") && ports.stream().anyMatch(title::contains)) {
                        pids.add(Integer.parseInt(name));
                    }
                } catch (java.io.IOException | RuntimeException gone) {
                    // exited meanwhile
                }
            }
        }
        {
            for (int pid : pids) {
                try {
                    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks.put(pid, Long.parseLong(fields[11]) + Long.parseLong(fields[12]));
                } catch (java.io.IOException | RuntimeException notHere) {
                    // another host's PostgreSQL, or the backend is gone: not counted
                    out.println("  (cannot read the CPU of backend " + pid + ": " + notHere + ")");
                }
            }
        }
        return ticks;
    }

    private static void send(KafkaProducer<String, byte[]> producer, EventCodec codec, String topic, TollgateEvent event) {
        var record = new ProducerRecord<String, byte[]>(topic, event.accountId(), codec.encode(event));
        record.headers().add(Topics.HEADER_EVENT_ID, event.eventId().toString().getBytes(StandardCharsets.UTF_8))
                .add(Topics.HEADER_EVENT_TYPE, event.getClass().getSimpleName().getBytes(StandardCharsets.UTF_8));
        producer.send(record);
    }

    private KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5));
    }
}
