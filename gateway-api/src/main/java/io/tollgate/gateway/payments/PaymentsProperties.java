package io.tollgate.gateway.payments;

import io.tollgate.gateway.errors.PaymentLink;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * Buying credits. Purchases are on only when Stripe's API key, the webhook's endpoint secret and the payment
 * link are all set; otherwise checkout answers 503 and every other endpoint works as without them.
 *
 * @param paymentLink the dashboard's Buy credits page as the caller reaches it (e.g.
 *                    {@code https://hub.example.com/#/buy}): named in every 402 for lack of credit, and where
 *                    Stripe's checkout returns to
 * @param stripe      the Stripe account that takes the payments
 */
@ConfigurationProperties("tollgate.payments")
public record PaymentsProperties(String paymentLink, @DefaultValue Stripe stripe) implements PaymentLink {

    /**
     * @param apiKey           the secret API key ({@code sk_live_…}, {@code sk_test_…}, or a restricted key that may
     *                         create Checkout Sessions)
     * @param webhookSecret    the endpoint secret ({@code whsec_…}) of the webhook that points at
     *                         {@code /api/payments/stripe/webhook}
     * @param apiBase          where Stripe's API is; empty: Stripe's own (tests point it at a stand-in)
     * @param webhookTolerance how old a signed webhook may be, against replays of a captured one
     */
    public record Stripe(String apiKey, String webhookSecret, String apiBase,
                         @DefaultValue("5m") Duration webhookTolerance) {
    }

    public boolean purchasesConfigured() {
        return present(paymentLink) && present(stripe.apiKey()) && present(stripe.webhookSecret());
    }

    /** The link a 402 for lack of credit carries: only where credit can be bought. */
    @Override
    public String forLackOfCredit() {
        return purchasesConfigured() ? paymentLink : null;
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }
}
