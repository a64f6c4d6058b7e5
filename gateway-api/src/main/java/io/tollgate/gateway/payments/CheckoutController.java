package io.tollgate.gateway.payments;

import com.stripe.exception.StripeException;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.payments.CreditPackages.CreditPackage;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;

/** {@code POST /api/credits/checkout}: a Stripe Checkout Session that buys a package for the caller's account. */
@RestController
class CheckoutController {
    private static final Logger log = LoggerFactory.getLogger(CheckoutController.class);

    private final PaymentsProperties properties;
    private final CreditPackages packages;
    private final StripeCheckout stripe;
    private final Purchases purchases;

    CheckoutController(PaymentsProperties properties, CreditPackages packages, StripeCheckout stripe,
                       Purchases purchases) {
        this.properties = properties;
        this.packages = packages;
        this.stripe = stripe;
        this.purchases = purchases;
    }

    record CheckoutRequest(@NotBlank @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9_.-]{0,63}") String packageId) {
    }

    /** @param url Stripe's hosted checkout page: send the buyer there */
    record CheckoutResponse(String sessionId, String url, String accountId, String packageId, BigDecimal credits,
                            BigDecimal price, String currency) {
    }

    @PostMapping("/api/credits/checkout")
    @ResponseStatus(HttpStatus.CREATED)
    CheckoutResponse checkout(@Valid @RequestBody CheckoutRequest request,
                              @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller) {
        if (!properties.purchasesConfigured()) {
            throw new GatewayException(HttpStatus.SERVICE_UNAVAILABLE, "invalid_request_error",
                    "purchases_not_configured", "Buying credits is not configured on this gateway: ask its operator "
                    + "for credit.");
        }
        if (caller.accountId() == null) {
            throw GatewayException.badRequest("This key belongs to no account, so it cannot buy credits.");
        }
        CreditPackage sold = packages.find(request.packageId()).filter(CreditPackage::active)
                .orElseThrow(() -> GatewayException.notFound("package_not_found",
                        "No credit package '" + request.packageId() + "' is for sale."));
        StripeCheckout.OpenedSession session;
        try {
            session = stripe.open(caller.accountId(), sold);
        } catch (StripeException e) {
            // Stripe's message names the parameter it refused, never our key.
            log.warn("Stripe refused a Checkout Session for package {}: {} ({})", sold.id(), e.getMessage(),
                    e.getStatusCode());
            throw new GatewayException(HttpStatus.BAD_GATEWAY, "api_error", "payment_provider_error",
                    "Stripe did not open a checkout; try again later.");
        }
        purchases.opened(session.id(), caller.accountId(), sold, caller.actor());
        return new CheckoutResponse(session.id(), session.url(), caller.accountId(), sold.id(), sold.credits(),
                sold.price(), sold.currency());
    }
}
