package io.tollgate.gateway.payments;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.exception.SignatureVerificationException;
import com.stripe.model.Event;
import com.stripe.net.Webhook;
import io.tollgate.gateway.auth.EndpointScopes;
import io.tollgate.gateway.errors.GatewayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import java.nio.charset.StandardCharsets;

/**
 * {@code POST /api/payments/stripe/webhook}: Stripe's events, believed only with a valid signature of the
 * endpoint secret (checked by Stripe's library, which also refuses one older than the tolerance). It needs no
 * Tollgate key: the signature is the credential. Anything not ours, or not about money moving, is answered
 * 200 and left alone, so that Stripe stops sending it.
 */
@RestController
class StripeWebhookController {
    private static final Logger log = LoggerFactory.getLogger(StripeWebhookController.class);

    private final PaymentsProperties properties;
    private final Purchases purchases;
    private final ObjectMapper json;

    StripeWebhookController(PaymentsProperties properties, Purchases purchases, ObjectMapper json) {
        this.properties = properties;
        this.purchases = purchases;
        this.json = json;
    }

    record Received(boolean received, String eventId, String type, String outcome, String accountId,
                    java.math.BigDecimal credits) {
    }

    @PostMapping(EndpointScopes.STRIPE_WEBHOOK)
    Received receive(@RequestBody(required = false) byte[] body,
                     @RequestHeader(value = "Stripe-Signature", required = false) String signature) {
        if (!properties.purchasesConfigured()) {
            throw new GatewayException(HttpStatus.SERVICE_UNAVAILABLE, "invalid_request_error",
                    "purchases_not_configured", "Buying credits is not configured on this gateway.");
        }
        if (body == null || body.length == 0 || signature == null || signature.isBlank()) {
            throw invalidSignature("A Stripe webhook needs its body and a Stripe-Signature header.");
        }
        // Stripe signs the bytes it sends: verify them as they came, decoded as the UTF-8 they are.
        String payload = new String(body, StandardCharsets.UTF_8);
        Event event;
        try {
            event = Webhook.constructEvent(payload, signature, properties.stripe().webhookSecret(),
                    properties.stripe().webhookTolerance().toSeconds());
        } catch (SignatureVerificationException e) {
            log.warn("refused a Stripe webhook: {}", e.getMessage());
            throw invalidSignature("The Stripe-Signature does not match this endpoint's secret, or is too old.");
        } catch (RuntimeException notAnEvent) {
            // Stripe's library reads the body with Gson (a runtime dependency only) before checking the signature.
            throw invalidSignature("The webhook body is not a Stripe event.");
        }
        JsonNode object;
        try {
            object = json.readTree(payload).path("data").path("object");
        } catch (JsonProcessingException e) {
            throw invalidSignature("The webhook body is not a Stripe event.");
        }
        Purchases.Outcome outcome = switch (String.valueOf(event.getType())) {
            case "checkout.session.completed", "checkout.session.async_payment_succeeded" -> purchases.paid(object);
            case "charge.refunded" -> purchases.refunded(object);
            default -> Purchases.Outcome.ignored("ignored");
        };
        return new Received(true, event.getId(), event.getType(), outcome.outcome(), outcome.accountId(),
                outcome.credits());
    }

    private static GatewayException invalidSignature(String message) {
        return new GatewayException(HttpStatus.BAD_REQUEST, "invalid_request_error", "invalid_signature", message);
    }
}
