package io.tollgate.gateway.metering;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.codec.EventCodec;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.GatewayInstances;
import io.tollgate.gateway.testing.LedgerTopicReader;
import io.tollgate.ledger.api.ModelRate;
import io.tollgate.ledger.api.SettlementOutcome;
import io.tollgate.ledger.api.TokenUsage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * DESIGN.md I1 and I2 with credit leases, on the real ledger, topic and PostgreSQL: two gateway instances
 * metering one account in memory let exactly as many requests through as the credit pays for; an account
 * that covers one request at a time is metered one request at a time; and the lease of an instance that
 * died is settled from the topic, every acknowledged debit charged once. An account that went quiet holds
 * no lease.
 */
class LeaseInvariantsTest {
    /** 10 input + 10 output tokens at 1 micro-credit each: every request holds and costs exactly 20. */
    private static final ModelRate RATE = new ModelRate(1_000_000, 1_000_000);
    private static final long COST = 20;
    private static final int THREADS = 200;
    private static final int REQUESTS_PER_THREAD = 50;
    private static final int AFFORDABLE = 1_234;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "tollgate.ledger.lease-test." + UUID.randomUUID();
    /** Short enough that a dead instance's lease is swept within the test. */
    private static final String[] QUICK_SWEEPS = {"--tollgate.ledger.leases.settle-grace=1s",
            "--tollgate.ledger.expiry.sweep-interval=300ms"};

    private static ConfigurableApplicationContext first;
    private static ConfigurableApplicationContext second;
    private static GatewayHttp admin;
    private static JdbcClient jdbc;

    @BeforeAll
    static void startTwoInstances() {
        first = GatewayInstances.start(TOPIC, QUICK_SWEEPS);
        second = GatewayInstances.start(TOPIC, QUICK_SWEEPS);
        admin = new GatewayHttp("http://127.0.0.1:" + GatewayInstances.port(first), GatewayTestBase.ADMIN_KEY);
        jdbc = JdbcClient.create(first.getBean(DataSource.class));
    }

    @AfterAll
    static void stop() {
        for (ConfigurableApplicationContext instance : new ConfigurableApplicationContext[]{second, first}) {
            if (instance != null) {
                instance.close();
            }
        }
    }

    @Test
    void twoInstancesOnOneAccount_exactlyTheAffordableRequestsSucceed() throws Exception {
        String account = accountWith(AFFORDABLE * COST);
        List<CreditMeter> meters = List.of(meter(first), meter(second));

        int succeeded = race(account, meters, THREADS, REQUESTS_PER_THREAD);

        assertThat(succeeded).isEqualTo(AFFORDABLE);
        meters.forEach(meter -> meter.retireLeasesOf(account));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(openLeases(account)).isZero());
        assertLeasesNeverExceededTheBalance(account, AFFORDABLE * COST);
        assertThat(settledDebits(account)).isEqualTo(AFFORDABLE * COST);
        assertDebitsOnTheTopic(account, AFFORDABLE * COST);
    }

    @Test
    void anAccountThatCoversOneRequestAtATimeIsMeteredOneRequestAtATime() throws Exception {
        String account = accountWith(3 * COST);
        CreditMeter meter = meter(first);

        for (int i = 0; i < 3; i++) {
            assertThat(reserveAndSettle(meter, account)).as("request %d", i).isTrue();
        }
        assertThat(reserveAndSettle(meter, account)).as("the fourth").isFalse();

        String tight = accountWith(COST);
        assertThat(race(tight, List.of(meter(first), meter(second)), 20, 3)).isEqualTo(1);
    }

    @Test
    void theLeaseOfAKilledInstanceIsSettledFromTheTopic() {
        String account = accountWith(1_000 * COST);
        // A lease that lives 3 s and is usable until 0.4 s before its end: all six requests draw on one.
        ConfigurableApplicationContext doomed = GatewayInstances.start(TOPIC, "--tollgate.metering.lease-ttl=3s",
                "--tollgate.metering.tick=200ms", "--tollgate.metering.retire-after=60s",
                "--tollgate.metering.min-lease-requests=50", QUICK_SWEEPS[0],
                QUICK_SWEEPS[1]);
        try {
            CreditMeter meter = meter(doomed);
            for (int i = 0; i < 5; i++) {
                assertThat(reserveAndSettle(meter, account)).isTrue();
            }
            var inFlight = (Metering.Held) meter.reserve(facts(account));
            String leaseId = inFlight.request().leaseId();
            assertThat(stored(account, "LeaseGranted")).as("one lease for all six").hasSize(1);

            meter.haltAsIfKilled();

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode settled = leaseSettled(account, leaseId);
                assertThat(settled).isNotNull();
                assertThat(settled.path("reason").asText()).isEqualTo("EXPIRED");
                assertThat(settled.path("debitedMicros").asLong()).isEqualTo(5 * COST);
                assertThat(settled.path("requests").asLong()).isEqualTo(5);
            });
            assertDebitsOnTheTopic(account, 5 * COST);
        } finally {
            doomed.close();
        }
    }

    @Test
    void anInstanceShuttingDownGivesItsLeasesBackWithWhatTheyCost() {
        String account = accountWith(100 * COST);
        ConfigurableApplicationContext leaving = GatewayInstances.start(TOPIC, QUICK_SWEEPS);
        for (int i = 0; i < 3; i++) {
            assertThat(reserveAndSettle(meter(leaving), account)).isTrue();
        }

        leaving.close();

        // At once, not after the lease's expiry: closing waits for the lease to be given back.
        assertThat(stored(account, "LeaseSettled")).singleElement().satisfies(settled -> {
            assertThat(settled.path("reason").asText()).isEqualTo("RETURNED");
            assertThat(settled.path("debitedMicros").asLong()).isEqualTo(3 * COST);
            assertThat(settled.path("requests").asLong()).isEqualTo(3);
        });
    }

    @Test
    void anAccountThatWentQuietGivesItsLeaseBackAndHoldsNoOtherUntilItIsUsedAgain() {
        String account = accountWith(100 * COST);
        ConfigurableApplicationContext quiet = GatewayInstances.start(TOPIC, "--tollgate.metering.tick=200ms",
                "--tollgate.metering.retire-after=2s");
        try {
            assertThat(reserveAndSettle(meter(quiet), account)).isTrue();

            // Retired after 2 s and given back; one request long ago is no reason to take the next lease ahead.
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                assertThat(stored(account, "LeaseGranted")).hasSize(1);
                assertThat(openLeases(account)).isZero();
            });
            assertThat(stored(account, "LeaseSettled")).singleElement().satisfies(settled -> {
                assertThat(settled.path("reason").asText()).isEqualTo("RETURNED");
                assertThat(settled.path("debitedMicros").asLong()).isEqualTo(COST);
            });

            assertThat(reserveAndSettle(meter(quiet), account)).isTrue();
            assertThat(stored(account, "LeaseGranted")).as("a lease again once it is used").hasSize(2);
        } finally {
            quiet.close();
        }
    }

    private static CreditMeter meter(ConfigurableApplicationContext instance) {
        return instance.getBean(CreditMeter.class);
    }

    private static String accountWith(long micros) {
        String account = "acct-lease-" + UUID.randomUUID();
        admin.post("/admin/accounts", GatewayTestBase.ADMIN_KEY, java.util.Map.of("id", account, "displayName", "Leases"));
        admin.grantCredits(account, new BigDecimal(micros).movePointLeft(6).toPlainString());
        return account;
    }

    private static RequestFacts facts(String account) {
        return new RequestFacts(account, "req_" + UUID.randomUUID(), "key", "mock", "m", "openai.chat", false, 10, 10,
                10, 10, RATE);
    }

    private static boolean reserveAndSettle(CreditMeter meter, String account) {
        if (!(meter.reserve(facts(account)) instanceof Metering.Held held)) {
            return false;
        }
        SettlementOutcome settled = held.request().settle("mock", "m", new TokenUsage(10, 10, 0, 0, false), List.of(),
                null);
        assertThat(settled.debitedMicros()).isEqualTo(COST);
        return true;
    }

    private static int race(String account, List<CreditMeter> meters, int threads, int perThread) throws Exception {
        var succeeded = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                CreditMeter meter = meters.get(t % meters.size());
                work.add(pool.submit(() -> {
                    for (int r = 0; r < perThread; r++) {
                        if (reserveAndSettle(meter, account)) {
                            succeeded.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : work) {
                future.get();
            }
        } finally {
            pool.shutdown();
        }
        return succeeded.get();
    }

    private static List<JsonNode> stored(String account, String type) {
        return jdbc.sql("""
                        select payload from ledger.domain_event_entry
                        where aggregate_identifier = ? and payload_type like ? order by sequence_number""")
                .params(account, "%." + type)
                .query((rs, row) -> read(rs.getBytes(1)))
                .list();
    }

    private static long openLeases(String account) {
        return stored(account, "LeaseGranted").size() - stored(account, "LeaseSettled").size();
    }

    private static long settledDebits(String account) {
        return stored(account, "LeaseSettled").stream().mapToLong(event -> event.path("debitedMicros").asLong()).sum();
    }

    private static JsonNode leaseSettled(String account, String leaseId) {
        return stored(account, "LeaseSettled").stream()
                .filter(event -> event.path("leaseId").asText().equals(leaseId))
                .findFirst().orElse(null);
    }

    /** Replays the account's ledger: at no point do open leases and debits together exceed the grants. */
    private static void assertLeasesNeverExceededTheBalance(String account, long granted) {
        List<String[]> events = jdbc.sql("""
                        select payload_type, convert_from(payload, 'UTF8') from ledger.domain_event_entry
                        where aggregate_identifier = ? order by sequence_number""")
                .param(account)
                .query((rs, row) -> new String[]{rs.getString(1), rs.getString(2)})
                .list();
        long grantedSoFar = 0;
        long leased = 0;
        long debited = 0;
        for (String[] event : events) {
            JsonNode payload = read(event[1].getBytes(java.nio.charset.StandardCharsets.UTF_8));
            switch (event[0].substring(event[0].lastIndexOf('.') + 1)) {
                case "CreditsGranted" -> grantedSoFar += payload.path("amountMicros").asLong();
                case "LeaseGranted" -> leased += payload.path("amountMicros").asLong();
                case "LeaseSettled" -> {
                    leased -= payload.path("amountMicros").asLong();
                    debited += payload.path("debitedMicros").asLong();
                }
                default -> {
                }
            }
            assertThat(grantedSoFar - debited - leased).as("available after %s", event[0]).isNotNegative();
        }
        assertThat(grantedSoFar).isEqualTo(granted);
        assertThat(leased).isZero();
    }

    /** Each request's debit on the topic once, however often its record was written. */
    private static void assertDebitsOnTheTopic(String account, long expectedMicros) {
        var codec = new EventCodec();
        try (var topic = new LedgerTopicReader(GatewayInstances.env("TOLLGATE_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
                TOPIC)) {
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                var seenRequests = new java.util.HashSet<String>();
                long sum = topic.recordsOfAccount(account).stream()
                        .map(record -> codec.decode(record.value()))
                        .filter(event -> event instanceof CreditsDebited debited
                                && seenRequests.add(debited.requestId()))
                        .mapToLong(event -> ((CreditsDebited) event).amountMicros())
                        .sum();
                assertThat(sum).isEqualTo(expectedMicros);
            });
        }
    }

    private static JsonNode read(byte[] payload) {
        try {
            return JSON.readTree(payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
