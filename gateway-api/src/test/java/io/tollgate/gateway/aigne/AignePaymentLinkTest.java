package io.tollgate.gateway.aigne;

import io.tollgate.gateway.GatewayTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With purchases configured, AIGNE Hub's payment-link route answers the Buy credits page as a JSON string. The setting needs
 * a context of its own, which is closed after this class: its publisher, beside the shared context's, would
 * publish every later test's events a second time.
 */
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@TestPropertySource(properties = {"tollgate.payments.payment-link=https://pay.tollgate.test/#/buy?plan=\"credits\"",
        "tollgate.payments.stripe.api-key=sk_test_aigne_payment_link", "tollgate.payments.stripe.webhook-secret=whsec_aigne_test"})
class AignePaymentLinkTest extends GatewayTestBase {

    @Test
    void theConfiguredPurchasePageIsAnsweredAsAJsonString() {
        var gateway = gateway();
        var account = gateway.openAccountWithCredits("1");

        var reply = gateway.get("/api/user/credit/payment-link", account.key());

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().isTextual()).isTrue();
        assertThat(reply.json().asText()).isEqualTo("https://pay.tollgate.test/#/buy?plan=\"credits\"");
    }
}
