package io.tollgate.gateway.payments;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.stripe.net.Webhook;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

/**
 * Stripe for the tests: its API on a loopback WireMock (Checkout Sessions answered in Stripe's wire format)
 * and webhook events signed as Stripe signs them, with Stripe's own HMAC code and a test endpoint secret.
 */
final class StripeWire {
    static final String API_KEY = "sk_test_tollgate_0000000000000000";
    static final String WEBHOOK_SECRET = "whsec_tollgate_test_5e1f0c7a9b";
    static final String PAYMENT_LINK = "http://127.0.0.1:5173/#/buy";
    static final String SESSIONS_PATH = "/v1/checkout/sessions";

    private static final WireMockServer SERVER = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static {
        SERVER.start();
        Runtime.getRuntime().addShutdownHook(new Thread(SERVER::stop));
    }

    private StripeWire() {
    }

    static WireMockServer api() {
        return SERVER;
    }

    /** Stripe answers every Checkout Session with this one (a test-mode session as Stripe's API returns it). */
    static void answerSessionsWith(String sessionId) {
        SERVER.stubFor(post(urlEqualTo(SESSIONS_PATH)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withHeader("Request-Id", "req_" + UUID.randomUUID().toString().replace("-", ""))
                .withBody("""
                        {"id":"%s","object":"checkout.session","mode":"payment","status":"open",
                         "payment_status":"unpaid","currency":"usd","amount_total":999,"livemode":false,
                         "url":"https://checkout.stripe.com/c/pay/%s#fidkdWxOYHwnPyd1blpxYHZxWjA0"}"""
                        .formatted(sessionId, sessionId))));
    }

    static String sessionCompleted(String eventId, String sessionId, String paymentIntent, String accountId,
                                   String packageId, String credits, String paymentStatus) {
        return event(eventId, "checkout.session.completed", """
                {"id":"%s","object":"checkout.session","mode":"payment","status":"complete","payment_status":"%s",
                 "amount_total":999,"currency":"usd","payment_intent":"%s","client_reference_id":"%s",
                 "metadata":{"account_id":"%s","package_id":"%s","credits":"%s"}}"""
                .formatted(sessionId, paymentStatus, paymentIntent, accountId, accountId, packageId, credits));
    }

    static String chargeRefunded(String eventId, String chargeId, String paymentIntent, long amount, long refunded) {
        return event(eventId, "charge.refunded", """
                {"id":"%s","object":"charge","amount":%d,"amount_refunded":%d,"currency":"usd","paid":true,
                 "refunded":%s,"payment_intent":"%s","status":"succeeded"}"""
                .formatted(chargeId, amount, refunded, refunded >= amount, paymentIntent));
    }

    private static String event(String eventId, String type, String object) {
        return """
                {"id":"%s","object":"event","api_version":"2025-09-30.clover","created":%d,"livemode":false,
                 "pending_webhooks":1,"type":"%s","data":{"object":%s}}"""
                .formatted(eventId, Webhook.Util.getTimeNow(), type, object);
    }

    /** Stripe's header: {@code t=<seconds>,v1=<HMAC-SHA256 of "t.payload" with the endpoint secret>}. */
    static String signature(String payload, String secret, long timestamp) {
        try {
            return "t=" + timestamp + ",v1=" + Webhook.Util.computeHmacSha256(secret, timestamp + "." + payload);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String signature(String payload) {
        return signature(payload, WEBHOOK_SECRET, Webhook.Util.getTimeNow());
    }

    record Answer(int status, String body) {
    }

    static Answer deliver(String gatewayUrl, String payload, String signatureHeader) {
        var request = HttpRequest.newBuilder(URI.create(gatewayUrl + "/api/payments/stripe/webhook"))
                .header("Content-Type", "application/json; charset=utf-8")
                .header("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)");
        if (signatureHeader != null) {
            request.header("Stripe-Signature", signatureHeader);
        }
        try {
            HttpResponse<String> response = HTTP.send(request.POST(HttpRequest.BodyPublishers.ofString(payload,
                    StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
