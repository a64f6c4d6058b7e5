package io.tollgate.gateway.payments;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.stripe.net.Webhook;
import io.tollgate.events.CreditsAdjusted;
import io.tollgate.events.CreditsGranted;
import io.tollgate.events.codec.EventCodec;
import io.tollgate.events.GrantSource;
import io.tollgate.events.TollgateEvent;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.GatewayInstances;
import io.tollgate.gateway.testing.LedgerTopicReader;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Buying credits through Stripe, end to end over HTTP: operator packages, a Checkout Session opened on Stripe's
 * API (WireMock), Stripe's signed webhooks granting once per payment and clawing refunds back, bad signatures
 * refused, and the 402's payment link.
 */
// A gateway instance of its own, with Stripe configured, publishing to a topic of its own: a second Spring test
// context would publish every event of the shared one's tests to their topic a second time.
class StripePurchaseTest {
    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    private static final String ADMIN_KEY = GatewayTestBase.ADMIN_KEY;
    private static final EventCodec CODEC = new EventCodec();

    private static ConfigurableApplicationContext instance;
    private static LedgerTopicReader ledger;
    private GatewayHttp gateway;
    private String provider;

    @BeforeAll
    static void startAGatewayThatSellsCredits() {
        String topic = "tollgate.ledger.stripe-test." + UUID.randomUUID();
        instance = GatewayInstances.start(topic,
                "--tollgate.payments.payment-link=" + StripeWire.PAYMENT_LINK,
                "--tollgate.payments.stripe.api-key=" + StripeWire.API_KEY,
                "--tollgate.payments.stripe.webhook-secret=" + StripeWire.WEBHOOK_SECRET,
                "--tollgate.payments.stripe.api-base=" + StripeWire.api().baseUrl());
        ledger = new LedgerTopicReader(GatewayInstances.env("TOLLGATE_KAFKA_BOOTSTRAP", "127.0.0.1:9092"), topic);
    }

    @AfterAll
    static void stop() {
        if (ledger != null) {
            ledger.close();
        }
        if (instance != null) {
            instance.close();
        }
    }

    private static String baseUrl() {
        return "http://127.0.0.1:" + GatewayInstances.port(instance);
    }

    private static LedgerTopicReader ledger() {
        return ledger;
    }

    @BeforeEach
    void registerUpstream() {
        gateway = new GatewayHttp(baseUrl(), ADMIN_KEY);
        provider = OpenAiWireFormat.servingCompletions(gateway, upstream, "wmstripe", "sk-stripe-test-0000");
    }

    @Test
    void operatorsSellPackagesAndDisableThem() {
        String id = "pkg-" + UUID.randomUUID();
        var created = gateway.post("/admin/credit-packages", ADMIN_KEY,
                Map.of("id", id, "name", "Starter", "credits", "10", "price", "9.99", "currency", "USD"));
        var again = gateway.post("/admin/credit-packages", ADMIN_KEY,
                Map.of("id", id, "name", "Starter", "credits", "10", "price", "9.99", "currency", "usd"));
        var tooFine = gateway.post("/admin/credit-packages", ADMIN_KEY,
                Map.of("name", "Odd", "credits", "10", "price", "9.999", "currency", "usd"));
        var yen = gateway.post("/admin/credit-packages", ADMIN_KEY,
                Map.of("name", "Yen", "credits", "10", "price", "1.5", "currency", "jpy"));
        var noSuchCurrency = gateway.post("/admin/credit-packages", ADMIN_KEY,
                Map.of("name", "Odd", "credits", "10", "price", "9", "currency", "xyz"));
        var account = gateway.openAccountWithCredits("1");
        var byUser = gateway.post("/admin/credit-packages", account.key(),
                Map.of("name", "Mine", "credits", "1000", "price", "0.01", "currency", "usd"));

        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().path("price").decimalValue()).isEqualByComparingTo("9.99");
        assertThat(created.json().path("currency").asText()).isEqualTo("usd");
        assertThat(created.json().path("active").asBoolean()).isTrue();
        assertThat(again.status()).isEqualTo(409);
        assertThat(tooFine.status()).as(tooFine.body()).isEqualTo(400);
        assertThat(yen.status()).as("JPY has no decimals").isEqualTo(400);
        assertThat(noSuchCurrency.status()).isEqualTo(400);
        assertThat(byUser.status()).isEqualTo(403);
        assertThat(ids(gateway.get("/api/credits/packages", account.key()))).contains(id);

        var disabled = gateway.post("/admin/credit-packages/" + id + "/disable", ADMIN_KEY, Map.of());
        var checkout = gateway.post("/api/credits/checkout", account.key(), Map.of("packageId", id));

        assertThat(disabled.json().path("active").asBoolean()).isFalse();
        assertThat(ids(gateway.get("/api/credits/packages", account.key()))).doesNotContain(id);
        assertThat(ids(gateway.get("/admin/credit-packages", ADMIN_KEY))).contains(id);
        assertThat(checkout.status()).isEqualTo(404);
        assertThat(checkout.json().path("error").path("code").asText()).isEqualTo("package_not_found");
    }

    @Test
    void checkoutOpensAStripeSessionForTheCallersAccountWithWhatItBuysInItsMetadata() {
        String packageId = createPackage("25", "19.50");
        var account = gateway.openAccountWithCredits("1");
        String sessionId = "cs_test_" + UUID.randomUUID().toString().replace("-", "");
        StripeWire.answerSessionsWith(sessionId);

        var checkout = gateway.post("/api/credits/checkout", account.key(), Map.of("packageId", packageId));
        var unknown = gateway.post("/api/credits/checkout", account.key(), Map.of("packageId", "no-such-package"));
        var noPackage = gateway.post("/api/credits/checkout", account.key(), Map.of());

        assertThat(checkout.status()).as(checkout.body()).isEqualTo(201);
        assertThat(checkout.json().path("url").asText()).isEqualTo(
                "https://checkout.stripe.com/c/pay/" + sessionId + "#fidkdWxOYHwnPyd1blpxYHZxWjA0");
        assertThat(checkout.json().path("sessionId").asText()).isEqualTo(sessionId);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(noPackage.status()).isEqualTo(400);
        LoggedRequest sent = StripeWire.api().findAll(postRequestedFor(urlEqualTo(StripeWire.SESSIONS_PATH))).stream()
                .filter(request -> decoded(request).contains("metadata[account_id]=" + account.id()))
                .findFirst().orElseThrow();
        assertThat(sent.getHeader("Authorization")).isEqualTo("Bearer " + StripeWire.API_KEY);
        assertThat(decoded(sent)).contains("mode=payment", "metadata[package_id]=" + packageId,
                "metadata[credits]=25", "payment_intent_data[metadata][account_id]=" + account.id(),
                "line_items[0][price_data][unit_amount]=1950", "line_items[0][price_data][currency]=usd",
                "client_reference_id=" + account.id(), "success_url=" + StripeWire.PAYMENT_LINK);
    }

    @Test
    void aPaidSessionGrantsItsCreditsOnceHoweverOftenStripeDeliversItAndThe402PointsToThePurchase() {
        String packageId = createPackage("10", "9.99");
        var account = openAccountWithoutCredit();
        var messages = List.of(Map.of("role", "user", "content", "Hello"));

        var openAi = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o", "messages", messages));
        var anthropic = gateway.post("/v1/messages", account.key(), Map.of("model", provider + "/gpt-4o",
                "max_tokens", 64, "messages", messages));
        var aigne = gateway.post("/api/v2/chat/completions", account.key(), Map.of("model", provider + "/gpt-4o",
                "messages", messages));

        assertThat(openAi.status()).as(openAi.body()).isEqualTo(402);
        assertThat(openAi.json().path("error").path("payment_link").asText()).isEqualTo(StripeWire.PAYMENT_LINK);
        assertThat(openAi.json().path("error").path("code").asText()).isEqualTo("insufficient_credit");
        assertThat(anthropic.status()).as(anthropic.body()).isEqualTo(402);
        assertThat(anthropic.json().path("error").path("payment_link").asText()).isEqualTo(StripeWire.PAYMENT_LINK);
        assertThat(anthropic.json().path("error").path("type").asText()).isEqualTo("billing_error");
        assertThat(aigne.status()).as(aigne.body()).isEqualTo(402);
        assertThat(aigne.json().path("error").path("payment_link").asText()).isEqualTo(StripeWire.PAYMENT_LINK);
        assertThat(aigne.json().path("error").path("type").asText()).isEqualTo("NOT_ENOUGH");

        String sessionId = "cs_test_" + UUID.randomUUID().toString().replace("-", "");
        String paymentIntent = "pi_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
        String completed = StripeWire.sessionCompleted("evt_" + UUID.randomUUID(), sessionId, paymentIntent,
                account.id(), packageId, "10", "paid");
        String replayedWithNewEventId = StripeWire.sessionCompleted("evt_" + UUID.randomUUID(), sessionId,
                paymentIntent, account.id(), packageId, "10", "paid");

        var first = StripeWire.deliver(baseUrl(), completed, StripeWire.signature(completed));
        // Stripe redelivers (at least once, sometimes at the same time) and may send a second event for the session.
        List<StripeWire.Answer> redeliveries = IntStream.range(0, 6).mapToObj(i -> CompletableFuture.supplyAsync(() -> {
            String payload = i % 2 == 0 ? completed : replayedWithNewEventId;
            return StripeWire.deliver(baseUrl(), payload, StripeWire.signature(payload));
        })).toList().stream().map(CompletableFuture::join).toList();

        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.body()).contains("\"outcome\":\"granted\"");
        assertThat(redeliveries).allSatisfy(answer -> {
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            assertThat(answer.body()).contains("\"outcome\":\"already_granted\"");
        });
        List<CreditsGranted> grants = await().atMost(Duration.ofSeconds(20))
                .until(() -> grantsOf(account.id()), list -> !list.isEmpty());
        assertThat(grants).singleElement().satisfies(grant -> {
            assertThat(grant.source()).isEqualTo(GrantSource.PURCHASE);
            assertThat(grant.reference()).isEqualTo(paymentIntent);
            assertThat(grant.grantId()).isEqualTo("purchase_" + sessionId);
            assertThat(grant.amountMicros()).isEqualTo(10_000_000L);
            assertThat(grant.expiresAt()).isNull();
        });

        var afterPurchase = gateway.post(CHAT_PATH, account.key(), Map.of("model", provider + "/gpt-4o",
                "messages", messages));
        assertThat(afterPurchase.status()).as(afterPurchase.body()).isEqualTo(200);
        // Settled events of later requests come after: still the one grant.
        assertThat(grantsOf(account.id())).hasSize(1);
    }

    @Test
    void anUnpaidSessionGrantsNothingUntilItsPaymentSucceeds() {
        String packageId = createPackage("3", "2.50");
        var account = openAccountWithoutCredit();
        String sessionId = "cs_test_" + UUID.randomUUID().toString().replace("-", "");
        String unpaid = StripeWire.sessionCompleted("evt_" + UUID.randomUUID(), sessionId, "pi_async" + sessionId,
                account.id(), packageId, "3", "unpaid");
        String succeeded = unpaid.replace("\"payment_status\":\"unpaid\"", "\"payment_status\":\"paid\"")
                .replace("checkout.session.completed", "checkout.session.async_payment_succeeded");

        var pending = StripeWire.deliver(baseUrl(), unpaid, StripeWire.signature(unpaid));
        var paid = StripeWire.deliver(baseUrl(), succeeded, StripeWire.signature(succeeded));

        assertThat(pending.body()).contains("\"outcome\":\"awaiting_payment\"");
        assertThat(paid.body()).contains("\"outcome\":\"granted\"");
        assertThat(await().atMost(Duration.ofSeconds(20)).until(() -> grantsOf(account.id()), list -> !list.isEmpty()))
                .singleElement().satisfies(grant -> assertThat(grant.amountMicros()).isEqualTo(3_000_000L));
    }

    @Test
    void badSignaturesAreRefusedWith400AndGrantNothing() {
        String packageId = createPackage("10", "9.99");
        var account = openAccountWithoutCredit();
        String forged = "cs_test_forged" + UUID.randomUUID().toString().replace("-", "");
        String genuine = "cs_test_genuine" + UUID.randomUUID().toString().replace("-", "");
        String payload = StripeWire.sessionCompleted("evt_" + UUID.randomUUID(), forged, "pi_forged" + forged,
                account.id(), packageId, "10", "paid");
        long now = Webhook.Util.getTimeNow();

        List<StripeWire.Answer> refused = List.of(
                StripeWire.deliver(baseUrl(), payload, StripeWire.signature(payload, "whsec_someone_else", now)),
                StripeWire.deliver(baseUrl(), payload.replace("\"credits\":\"10\"", "\"credits\":\"10000\""),
                        StripeWire.signature(payload)),
                StripeWire.deliver(baseUrl(), payload, null),
                StripeWire.deliver(baseUrl(), payload, "t=" + now + ",v1=deadbeef"),
                StripeWire.deliver(baseUrl(), payload, "v1=" + StripeWire.signature(payload).split("v1=")[1]),
                // A genuine signature, captured and replayed an hour later: outside the tolerance.
                StripeWire.deliver(baseUrl(), payload, StripeWire.signature(payload, StripeWire.WEBHOOK_SECRET,
                        now - 3_600)),
                StripeWire.deliver(baseUrl(), "not json", StripeWire.signature("not json")));
        String good = StripeWire.sessionCompleted("evt_" + UUID.randomUUID(), genuine, "pi_genuine" + genuine,
                account.id(), packageId, "10", "paid");
        var accepted = StripeWire.deliver(baseUrl(), good, StripeWire.signature(good));

        assertThat(refused).allSatisfy(answer -> {
            assertThat(answer.status()).as(answer.body()).isEqualTo(400);
            assertThat(answer.body()).contains("\"code\":\"invalid_signature\"");
        });
        assertThat(accepted.status()).isEqualTo(200);
        // The genuine grant's arrival on the ledger shows anything written before it would have arrived too.
        assertThat(await().atMost(Duration.ofSeconds(20)).until(() -> grantsOf(account.id()), list -> !list.isEmpty()))
                .extracting(CreditsGranted::grantId).containsExactly("purchase_" + genuine);
    }

    @Test
    void aRefundClawsBackWhatIsStillUnspentOncePerRefundStep() {
        String packageId = createPackage("10", "10.00");
        var account = openAccountWithoutCredit();
        String sessionId = "cs_test_" + UUID.randomUUID().toString().replace("-", "");
        String paymentIntent = "pi_refund" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        String chargeId = "ch_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
        String completed = StripeWire.sessionCompleted("evt_" + UUID.randomUUID(), sessionId, paymentIntent,
                account.id(), packageId, "10", "paid");
        assertThat(StripeWire.deliver(baseUrl(), completed, StripeWire.signature(completed)).body()).contains("granted");
        // 7 of the 10 purchased credits are spent (an adjustment stands in for requests: no lease holds credit).
        assertThat(gateway.post("/admin/accounts/" + account.id() + "/adjustments", ADMIN_KEY,
                Map.of("credits", "-3", "reason", "spent")).status()).isEqualTo(201);

        // Half the payment refunded: half the credits (5) are wanted back, and all 5 are unspent.
        String half = StripeWire.chargeRefunded("evt_" + UUID.randomUUID(), chargeId, paymentIntent, 1000, 500);
        var firstStep = StripeWire.deliver(baseUrl(), half, StripeWire.signature(half));
        var halfAgain = StripeWire.deliver(baseUrl(), half, StripeWire.signature(half));
        // Then the rest: 5 more are wanted, only 2 are left unspent.
        String full = StripeWire.chargeRefunded("evt_" + UUID.randomUUID(), chargeId, paymentIntent, 1000, 1000);
        var secondStep = StripeWire.deliver(baseUrl(), full, StripeWire.signature(full));
        var fullAgain = StripeWire.deliver(baseUrl(), full, StripeWire.signature(full));
        var halfLate = StripeWire.deliver(baseUrl(), half, StripeWire.signature(half));
        String unknownPayment = StripeWire.chargeRefunded("evt_" + UUID.randomUUID(), "ch_other", "pi_not_ours",
                1000, 1000);
        var notOurs = StripeWire.deliver(baseUrl(), unknownPayment, StripeWire.signature(unknownPayment));

        assertThat(firstStep.body()).contains("\"outcome\":\"clawed_back\"", "\"credits\":5");
        assertThat(halfAgain.body()).contains("\"outcome\":\"already_clawed_back\"");
        assertThat(secondStep.body()).contains("\"outcome\":\"clawed_back\"", "\"credits\":2");
        assertThat(fullAgain.body()).contains("\"outcome\":\"already_clawed_back\"");
        assertThat(halfLate.body()).contains("\"outcome\":\"already_clawed_back\"");
        assertThat(notOurs.status()).isEqualTo(200);
        assertThat(notOurs.body()).contains("\"outcome\":\"not_a_tollgate_purchase\"");
        List<CreditsAdjusted> clawBacks = await().atMost(Duration.ofSeconds(20)).until(
                () -> eventsOf(account.id(), CreditsAdjusted.class).stream()
                        .filter(adjusted -> adjusted.adjustmentId() != null).toList(),
                list -> list.size() >= 2);
        assertThat(clawBacks).extracting(CreditsAdjusted::deltaMicros).containsExactly(-5_000_000L, -2_000_000L);
        assertThat(clawBacks).allSatisfy(adjusted -> assertThat(adjusted.reason())
                .contains("Stripe refund", paymentIntent, chargeId));
        var nothingLeft = gateway.post("/admin/accounts/" + account.id() + "/adjustments", ADMIN_KEY,
                Map.of("credits", "-0.000001", "reason", "is anything left?"));
        assertThat(nothingLeft.status()).as("the balance is zero, never negative").isEqualTo(400);
    }

    private String createPackage(String credits, String price) {
        var created = gateway.post("/admin/credit-packages", ADMIN_KEY, Map.of("name", credits + " credits",
                "credits", credits, "price", price, "currency", "usd"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().path("id").asText();
    }

    private GatewayHttp.Account openAccountWithoutCredit() {
        String accountId = "acct-buyer-" + UUID.randomUUID();
        assertThat(gateway.post("/admin/accounts", ADMIN_KEY, Map.of("id", accountId, "displayName", "Buyer"))
                .status()).isEqualTo(201);
        var key = gateway.post("/admin/keys", ADMIN_KEY, Map.of("name", "buyer", "accountId", accountId));
        return new GatewayHttp.Account(accountId, key.json().path("key").asText());
    }

    private static List<CreditsGranted> grantsOf(String accountId) {
        return eventsOf(accountId, CreditsGranted.class);
    }

    private static <T extends TollgateEvent> List<T> eventsOf(String accountId, Class<T> type) {
        return ledger().recordsOfAccount(accountId).stream().map(record -> CODEC.decode(record.value()))
                .filter(type::isInstance).map(type::cast).toList();
    }

    private static List<String> ids(GatewayHttp.Reply reply) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json().findValuesAsText("id");
    }

    private static String decoded(LoggedRequest request) {
        return URLDecoder.decode(request.getBodyAsString(), StandardCharsets.UTF_8);
    }
}
