package io.tollgate.events.codec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.events.AccountClosed;
import io.tollgate.events.AccountOpened;
import io.tollgate.events.ApiKeyIssued;
import io.tollgate.events.ApiKeyRevoked;
import io.tollgate.events.CredentialChanged;
import io.tollgate.events.LimitsChanged;
import io.tollgate.events.LeaseGranted;
import io.tollgate.events.LeaseExtended;
import io.tollgate.events.LeaseSettled;
import io.tollgate.events.CreditsAdjusted;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.CreditsExpired;
import io.tollgate.events.CreditsGranted;
import io.tollgate.events.CreditsRefunded;
import io.tollgate.events.CreditsReserved;
import io.tollgate.events.GrantSource;
import io.tollgate.events.ModelRateSet;
import io.tollgate.events.ProviderCalled;
import io.tollgate.events.ProviderConfigured;
import io.tollgate.events.ReleaseReason;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.RequestRejected;
import io.tollgate.events.ReservationReleased;
import io.tollgate.events.TokensConsumed;
import io.tollgate.events.TollgateEvent;
import io.tollgate.events.UsageOverHold;
import io.tollgate.events.support.AdminTrail;
import io.tollgate.events.support.EventIds;
import io.tollgate.events.support.RateCards;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.RecyclerPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventCodecTest {
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MICROS);
    private final EventCodec codec = new EventCodec();

    /** One sample of every event in the catalogue, with every field set to a non-default value. */
    static Stream<TollgateEvent> everyEvent() {
        return Stream.of(
                new AccountOpened(EventIds.next(), NOW, "acct-1", "Demo account", "admin"),
                new AccountClosed(EventIds.next(), NOW, "acct-1", "customer left", "admin"),
                new CreditsGranted(EventIds.next(), NOW, "acct-1", "grant-1", 5_000_000L, GrantSource.PROMOTION,
                        NOW.plusSeconds(86_400), "admin"),
                new CreditsExpired(EventIds.next(), NOW, "acct-1", "grant-1", 1_250_000L),
                new CreditsAdjusted(EventIds.next(), NOW, "acct-1", -300L, "double charge", "admin"),
                new RequestAccepted(EventIds.next(), NOW, "acct-1", "req-1", "key-1", "openai", "gpt-4o",
                        "openai.chat", true, 42, 256, 9_000L, "lease-1", "app_1"),
                new CreditsReserved(EventIds.next(), NOW, "acct-1", "req-1", 9_000L, 256, true,
                        2_500_000L, 10_000_000L, NOW.plusSeconds(600)),
                new RequestRejected(EventIds.next(), NOW, "acct-1", "req-2", "gpt-4o", "insufficient_credit", 402,
                        "not enough credit", "app_1"),
                new ProviderCalled(EventIds.next(), NOW, "acct-1", "req-1", "openai", "gpt-4o", "cred-1", 2, 200,
                        830L, 120L, "timeout"),
                new TokensConsumed(EventIds.next(), NOW, "acct-1", "req-1", "openai", "gpt-4o", 42, 12, 7, 3, true),
                new CreditsDebited(EventIds.next(), NOW, "acct-1", "req-1", 225L, "openai", "gpt-4o", "lease-1"),
                new ReservationReleased(EventIds.next(), NOW, "acct-1", "req-1", 8_775L, ReleaseReason.SETTLED,
                        "lease-1"),
                new CreditsRefunded(EventIds.next(), NOW, "acct-1", "req-1", 225L, "bad answer", "admin"),
                new ModelRateSet(EventIds.next(), NOW, RateCards.SYSTEM_ACCOUNT, "openai", "gpt-4o", 2_500_000L,
                        10_000_000L, 1_250_000L, 40_000L, 130_000L, 100L, 15L, NOW.plusSeconds(3_600), "admin"),
                new ApiKeyIssued(EventIds.next(), NOW, "acct-1", "key_2", "ci", "tg-AbC", "user",
                        List.of("chat", "embeddings"), NOW.plusSeconds(86_400), "key_1", "jwt:alice"),
                new ApiKeyRevoked(EventIds.next(), NOW, "acct-1", "key_1", "rotated", NOW.plusSeconds(60), "key_9"),
                new ProviderConfigured(EventIds.next(), NOW, AdminTrail.SYSTEM_ACCOUNT, "openai", "openai",
                        "https://api.openai.com/v1", "registered", "key_9"),
                new CredentialChanged(EventIds.next(), NOW, AdminTrail.SYSTEM_ACCOUNT, "openai", "cred-1", "added",
                        "sk-…wxyz", "key_9"),
                new LimitsChanged(EventIds.next(), NOW, "acct-1", "key", "key_2", 60L, 10_000L, 4, 5_000_000L,
                        "day", "key_9"),
                new LeaseGranted(EventIds.next(), NOW, "acct-1", "lease-1", "gw-1", 160_000L, NOW.plusSeconds(60)),
                new LeaseExtended(EventIds.next(), NOW, "acct-1", "lease-1", NOW.plusSeconds(120)),
                new LeaseSettled(EventIds.next(), NOW, "acct-1", "lease-1", 160_000L, 45_000L, 3,
                        LeaseSettled.LeaseEnd.EXPIRED),
                new UsageOverHold(EventIds.next(), NOW, "acct-1", "req-1", "openai", "gpt-4o", 1_000L, 1_250L,
                        "lease-1"));
    }

    @ParameterizedTest
    @MethodSource("everyEvent")
    void everyEventSurvivesARoundTrip(TollgateEvent event) {
        byte[] json = codec.encode(event);

        assertThat(codec.decode(json)).isEqualTo(event);
        assertThat(new String(json, StandardCharsets.UTF_8))
                .contains("\"type\":\"" + event.getClass().getSimpleName() + "\"")
                .contains("\"schemaVersion\":1");
    }

    @Test
    void theSamplesAndTheCatalogueCoverEverySealedSubtype() {
        List<Class<?>> permitted = Arrays.asList(TollgateEvent.class.getPermittedSubclasses());
        assertThat(EventType.CATALOGUE.stream().<Class<?>>map(EventType::recordClass).toList())
                .containsExactlyInAnyOrderElementsOf(permitted);
        assertThat(everyEvent().<Class<?>>map(Object::getClass).toList()).containsExactlyInAnyOrderElementsOf(permitted);
    }

    @Test
    void encodesOnFreshVirtualThreadsReuseTheBuffersOfTheOnesBefore() throws Exception {
        RecyclerPool<BufferRecycler> pool = EventCodec.newObjectMapper().getFactory()._getRecyclerPool();
        Set<BufferRecycler> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 20; i++) {
                seen.add(executor.submit(() -> {
                    BufferRecycler recycler = pool.acquireAndLinkPooled();
                    recycler.releaseToPool();
                    return recycler;
                }).get());
            }
        }
        assertThat(seen).hasSize(1);
    }

    /** The topic's form is a contract with every consumer and every replay; the mapper's modules must not move it. */
    @Test
    void aRequestEventIsWrittenEnvelopeFirstThenItsComponentsInDeclarationOrder() {
        var event = new RequestAccepted(UUID.fromString("0192f1c4-0000-7000-8000-000000000001"),
                Instant.parse("2026-01-02T03:04:05.123456Z"), "acct-1", "req-1", "key-1", "openai", "gpt-4o",
                "openai.chat", true, 42, null, 1_500, "lease-1", "app-1");
        assertThat(new String(codec.encode(event), StandardCharsets.UTF_8)).isEqualTo("{"
                + "\"type\":\"RequestAccepted\",\"schemaVersion\":1,"
                + "\"eventId\":\"0192f1c4-0000-7000-8000-000000000001\",\"occurredAt\":\"2026-01-02T03:04:05.123456Z\","
                + "\"accountId\":\"acct-1\",\"requestId\":\"req-1\",\"apiKeyId\":\"key-1\",\"provider\":\"openai\","
                + "\"model\":\"gpt-4o\",\"apiFormat\":\"openai.chat\",\"stream\":true,\"estimatedInputTokens\":42,"
                + "\"requestedMaxTokens\":null,\"reservedMicros\":1500,\"leaseId\":\"lease-1\",\"appId\":\"app-1\"}");
    }

    @Test
    void instantsAreWrittenAsIsoStrings() {
        var event = new CreditsExpired(EventIds.next(), Instant.parse("2026-01-02T03:04:05Z"), "a", "g", 1);
        assertThat(new String(codec.encode(event), StandardCharsets.UTF_8))
                .contains("\"occurredAt\":\"2026-01-02T03:04:05Z\"");
    }

    @Test
    void unknownFieldsFromANewerWriterAreIgnored() {
        String json = """
                {"type":"CreditsDebited","schemaVersion":1,"eventId":"0190f5a2-7a2b-7cc1-9b7e-1a2b3c4d5e6f",
                 "occurredAt":"2026-01-02T03:04:05Z","accountId":"a","requestId":"r","amountMicros":7,
                 "provider":"openai","model":"gpt-4o","someFutureField":"x"}""";

        var event = (CreditsDebited) codec.decode(json.getBytes(StandardCharsets.UTF_8));

        assertThat(event.amountMicros()).isEqualTo(7);
    }

    /** Events written before apps existed are in the log for good: they decode as requests of no app. */
    @Test
    void requestEventsFromBeforeAppsDecodeWithoutAnApp() {
        String accepted = """
                {"type":"RequestAccepted","schemaVersion":1,"eventId":"0190f5a2-7a2b-7cc1-9b7e-1a2b3c4d5e6f",
                 "occurredAt":"2026-01-02T03:04:05Z","accountId":"a","requestId":"r","apiKeyId":"key_1",
                 "provider":"openai","model":"gpt-4o","apiFormat":"openai.chat","stream":false,
                 "estimatedInputTokens":12,"requestedMaxTokens":null,"reservedMicros":900,"leaseId":"lease-1"}""";
        String rejected = """
                {"type":"RequestRejected","schemaVersion":1,"eventId":"0190f5a2-7a2b-7cc1-9b7e-1a2b3c4d5e70",
                 "occurredAt":"2026-01-02T03:04:05Z","accountId":"a","requestId":"r2","model":"gpt-4o",
                 "reason":"insufficient_credit","httpStatus":402,"message":"not enough credit"}""";

        var request = (RequestAccepted) codec.decode(accepted.getBytes(StandardCharsets.UTF_8));
        var refusal = (RequestRejected) codec.decode(rejected.getBytes(StandardCharsets.UTF_8));

        assertThat(request.appId()).isNull();
        assertThat(request.leaseId()).isEqualTo("lease-1");
        assertThat(refusal.appId()).isNull();
        assertThat(refusal.reason()).isEqualTo("insufficient_credit");
    }

    @Test
    void aPurchaseKeepsItsPaymentReference() {
        var purchase = new CreditsGranted(EventIds.next(), NOW, "acct-1", "purchase_cs_test_1", 10_000_000L,
                GrantSource.PURCHASE, null, "stripe", "pi_3Q0abc");

        assertThat(codec.decode(codec.encode(purchase))).isEqualTo(purchase);
    }

    @Test
    void aGrantWrittenBeforePaymentReferencesReadsWithoutOne() {
        String json = """
                {"type":"CreditsGranted","schemaVersion":1,"eventId":"0190f5a2-7a2b-7cc1-9b7e-1a2b3c4d5e6f",
                 "occurredAt":"2026-01-02T03:04:05Z","accountId":"a","grantId":"g","amountMicros":7,
                 "source":"ADMIN","expiresAt":null,"actor":"key_1"}""";

        var event = (CreditsGranted) codec.decode(json.getBytes(StandardCharsets.UTF_8));

        assertThat(event.amountMicros()).isEqualTo(7);
        assertThat(event.reference()).isNull();
    }

    @Test
    void aRateWrittenBeforeAudioPricesExistedReadsAsAudioNotPriced() {
        String json = """
                {"type":"ModelRateSet","schemaVersion":1,"eventId":"0190f5a2-7a2b-7cc1-9b7e-1a2b3c4d5e6f",
                 "occurredAt":"2026-01-02T03:04:05Z","accountId":"system","provider":"openai","model":"gpt-4o",
                 "inputMicrosPerMillion":2500000,"outputMicrosPerMillion":10000000,
                 "cachedInputMicrosPerMillion":1250000,"imageMicros":0,"embeddingMicrosPerMillion":0,
                 "effectiveFrom":"2026-01-02T03:04:05Z","actor":"admin"}""";

        var event = (ModelRateSet) codec.decode(json.getBytes(StandardCharsets.UTF_8));

        assertThat(event.inputMicrosPerMillion()).isEqualTo(2_500_000);
        assertThat(event.audioSecondMicros()).isZero();
        assertThat(event.speechCharacterMicros()).isZero();
    }

    @Test
    void anOlderSchemaVersionIsUpcastToTheCurrentShape() {
        // Pretend CreditsDebited is at v2, whose v1 called the amount "amount".
        var catalogue = EventType.CATALOGUE.stream()
                .map(t -> t.recordClass() == CreditsDebited.class ? new EventType(t.name(), t.recordClass(), 2) : t)
                .toList();
        EventUpcaster renameAmount = new EventUpcaster() {
            public String eventType() {
                return "CreditsDebited";
            }

            public int fromVersion() {
                return 1;
            }

            public ObjectNode upcast(ObjectNode json) {
                json.set("amountMicros", json.remove("amount"));
                return json;
            }
        };
        var upcastingCodec = new EventCodec(catalogue, List.of(renameAmount));
        String v1 = """
                {"type":"CreditsDebited","schemaVersion":1,"eventId":"0190f5a2-7a2b-7cc1-9b7e-1a2b3c4d5e6f",
                 "occurredAt":"2026-01-02T03:04:05Z","accountId":"a","requestId":"r","amount":99,
                 "provider":"openai","model":"gpt-4o"}""";

        var event = (CreditsDebited) upcastingCodec.decode(v1.getBytes(StandardCharsets.UTF_8));

        assertThat(event.amountMicros()).isEqualTo(99);
    }

    @Test
    void aMissingUpcasterIsAnErrorNotASilentMisread() {
        var catalogue = EventType.CATALOGUE.stream()
                .map(t -> t.recordClass() == CreditsDebited.class ? new EventType(t.name(), t.recordClass(), 2) : t)
                .toList();
        var strictCodec = new EventCodec(catalogue, List.of());
        byte[] v1 = codec.encode(new CreditsDebited(EventIds.next(), NOW, "a", "r", 1, "p", "m"));

        assertThatThrownBy(() -> strictCodec.decode(v1)).hasMessageContaining("no upcaster for CreditsDebited v1");
    }

    @Test
    void unknownTypesAndMalformedJsonAreRejected() {
        assertThatThrownBy(() -> codec.decode("{\"type\":\"Nope\"}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("unknown event type: Nope");
        assertThatThrownBy(() -> codec.decode("{not json".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("malformed JSON");
    }

    @Test
    void eventIdsAreTimeOrdered() {
        var first = EventIds.next();
        var second = EventIds.next();
        assertThat(first.version()).isEqualTo(7);
        assertThat(second.compareTo(first)).isPositive();
    }
}
