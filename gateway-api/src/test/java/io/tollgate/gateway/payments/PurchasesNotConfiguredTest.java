package io.tollgate.gateway.payments;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static org.assertj.core.api.Assertions.assertThat;

/** The shared gateway has no Stripe: everything works as before, checkout says so, and no 402 names a link. */
class PurchasesNotConfiguredTest extends GatewayTestBase {
    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    @Test
    void withoutStripeCheckoutIsRefusedClearlyAndA402CarriesNoPaymentLink() {
        GatewayHttp gateway = gateway();
        String provider = "wmnostripe" + Integer.toHexString(upstream.getPort());
        gateway.registerProvider(provider, upstream.baseUrl() + "/v1", "sk-nostripe-test-0000");
        gateway.setRate(provider, "gpt-4o", "2.5", "10");
        var created = gateway.post("/admin/credit-packages", ADMIN_KEY,
                Map.of("name", "Starter", "credits", "10", "price", "9.99", "currency", "usd"));
        String accountId = "acct-nostripe-" + UUID.randomUUID();
        gateway.post("/admin/accounts", ADMIN_KEY, Map.of("id", accountId, "displayName", "No Stripe"));
        String key = gateway.post("/admin/keys", ADMIN_KEY, Map.of("name", "k", "accountId", accountId))
                .json().path("key").asText();

        var checkout = gateway.post("/api/credits/checkout", key, Map.of("packageId", created.json().path("id").asText()));
        String payload = StripeWire.sessionCompleted("evt_1", "cs_test_x", "pi_x", accountId, "p", "10", "paid");
        var webhook = StripeWire.deliver(baseUrl(), payload, StripeWire.signature(payload));
        var chat = gateway.post(CHAT_PATH, key, Map.of("model", provider + "/gpt-4o",
                "messages", List.of(Map.of("role", "user", "content", "Hello"))));

        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(checkout.status()).isEqualTo(503);
        assertThat(checkout.json().path("error").path("code").asText()).isEqualTo("purchases_not_configured");
        assertThat(checkout.json().path("error").path("message").asText()).contains("not configured");
        assertThat(webhook.status()).isEqualTo(503);
        assertThat(chat.status()).isEqualTo(402);
        assertThat(chat.json().path("error").has("payment_link")).isFalse();
    }
}
