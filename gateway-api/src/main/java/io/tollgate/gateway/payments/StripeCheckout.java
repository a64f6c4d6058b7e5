package io.tollgate.gateway.payments;

import com.stripe.StripeClient;
import com.stripe.exception.StripeException;
import com.stripe.model.checkout.Session;
import com.stripe.param.checkout.SessionCreateParams;
import io.tollgate.events.support.Credits;
import io.tollgate.gateway.payments.CreditPackages.CreditPackage;
import org.springframework.stereotype.Component;

import java.util.Map;

/** Opens Stripe Checkout Sessions through Stripe's own client, pointed at {@code tollgate.payments.stripe.api-base} when set. */
@Component
class StripeCheckout {
    static final String ACCOUNT_ID = "account_id";
    static final String PACKAGE_ID = "package_id";
    static final String CREDITS = "credits";

    private final PaymentsProperties properties;
    private volatile StripeClient client;

    StripeCheckout(PaymentsProperties properties) {
        this.properties = properties;
    }

    record OpenedSession(String id, String url) {
    }

    /**
     * One payment of the package's price for the account. The metadata, on the session and on its payment
     * intent, is what the webhook grants from: Stripe signs it back to us, and nobody else can set it.
     */
    OpenedSession open(String accountId, CreditPackage sold) throws StripeException {
        Map<String, String> metadata = Map.of(ACCOUNT_ID, accountId, PACKAGE_ID, sold.id(),
                CREDITS, Credits.toCredits(sold.creditsMicros()).toPlainString());
        String link = properties.paymentLink();
        String separator = link.contains("?") ? "&" : "?";
        SessionCreateParams params = SessionCreateParams.builder()
                .setMode(SessionCreateParams.Mode.PAYMENT)
                .setClientReferenceId(accountId)
                .putAllMetadata(metadata)
                .setPaymentIntentData(SessionCreateParams.PaymentIntentData.builder().putAllMetadata(metadata).build())
                .setSuccessUrl(link + separator + "checkout=success&session_id={CHECKOUT_SESSION_ID}")
                .setCancelUrl(link + separator + "checkout=cancelled")
                .addLineItem(SessionCreateParams.LineItem.builder()
                        .setQuantity(1L)
                        .setPriceData(SessionCreateParams.LineItem.PriceData.builder()
                                .setCurrency(sold.currency())
                                .setUnitAmount(sold.unitAmount())
                                .setProductData(SessionCreateParams.LineItem.PriceData.ProductData.builder()
                                        .setName(sold.name())
                                        .setDescription(Credits.toCredits(sold.creditsMicros()).toPlainString()
                                                + " Tollgate credits")
                                        .build())
                                .build())
                        .build())
                .build();
        Session session = client().checkout().sessions().create(params);
        return new OpenedSession(session.getId(), session.getUrl());
    }

    private StripeClient client() {
        StripeClient current = client;
        if (current == null) {
            synchronized (this) {
                if (client == null) {
                    var builder = StripeClient.builder()
                            .setApiKey(properties.stripe().apiKey())
                            // Bounded waits (I7); the library retries with an idempotency key of its own.
                            .setConnectTimeout(5_000)
                            .setReadTimeout(20_000)
                            .setMaxNetworkRetries(2);
                    String base = properties.stripe().apiBase();
                    if (base != null && !base.isBlank()) {
                        builder.setApiBase(base);
                    }
                    client = builder.build();
                }
                current = client;
            }
        }
        return current;
    }
}
