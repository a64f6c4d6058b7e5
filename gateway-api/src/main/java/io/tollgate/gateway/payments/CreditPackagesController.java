package io.tollgate.gateway.payments;

import io.tollgate.events.support.Credits;
import io.tollgate.events.support.EventIds;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.edge.EdgeText;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.payments.CreditPackages.CreditPackage;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Currency;
import java.util.List;
import java.util.Locale;

/** The operator's credit packages ({@code /admin/credit-packages}) and the ones a caller can buy. */
@RestController
class CreditPackagesController {
    /** Stripe's ceiling for one Checkout line item's unit amount (99,999,999 in the smallest unit). */
    private static final long MAX_UNIT_AMOUNT = 99_999_999L;

    private final CreditPackages packages;

    CreditPackagesController(CreditPackages packages) {
        this.packages = packages;
    }

    /**
     * @param price    in the currency's major unit ("9.99"), no finer than the currency counts
     * @param currency ISO 4217 code ("usd")
     */
    record CreatePackage(@Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9_.-]{0,63}") String id,
                         @NotBlank @EdgeText String name, @NotNull @Positive BigDecimal credits,
                         @NotNull @Positive BigDecimal price, @NotBlank @Pattern(regexp = "[A-Za-z]{3}") String currency) {
    }

    record PackageView(String id, String name, BigDecimal credits, BigDecimal price, String currency, boolean active,
                       Instant createdAt) {
        static PackageView of(CreditPackage p) {
            return new PackageView(p.id(), p.name(), p.credits(), p.price(), p.currency(), p.active(), p.createdAt());
        }
    }

    @PostMapping("/admin/credit-packages")
    @ResponseStatus(HttpStatus.CREATED)
    PackageView create(@Valid @RequestBody CreatePackage request, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        String currency = request.currency().toLowerCase(Locale.ROOT);
        int digits;
        try {
            digits = CreditPackages.fractionDigits(currency);
        } catch (IllegalArgumentException unknown) {
            throw GatewayException.badRequest("currency '" + currency + "' is not an ISO 4217 currency.");
        }
        long unitAmount;
        try {
            unitAmount = request.price().movePointRight(digits).longValueExact();
        } catch (ArithmeticException tooFine) {
            throw GatewayException.badRequest("price " + request.price().toPlainString() + " is finer than "
                    + Currency.getInstance(currency.toUpperCase(Locale.ROOT)).getCurrencyCode() + " counts ("
                    + digits + " decimals).");
        }
        if (unitAmount > MAX_UNIT_AMOUNT) {
            throw GatewayException.badRequest("price must be at most " + BigDecimal.valueOf(MAX_UNIT_AMOUNT, digits)
                    + " " + currency + ".");
        }
        long creditsMicros;
        try {
            creditsMicros = Credits.micros(request.credits());
        } catch (IllegalArgumentException tooFine) {
            throw GatewayException.badRequest("credits must have at most 6 decimals.");
        }
        String id = request.id() != null ? request.id() : "pkg_" + EventIds.next();
        var created = new CreditPackage(id, request.name(), creditsMicros, unitAmount, currency, true, Instant.now());
        if (!packages.create(created, admin.actor())) {
            throw new GatewayException(HttpStatus.CONFLICT, "invalid_request_error", "package_exists",
                    "A credit package with id '" + id + "' exists already; disable it and create another.");
        }
        return PackageView.of(packages.find(id).orElseThrow());
    }

    @GetMapping("/admin/credit-packages")
    List<PackageView> all() {
        return packages.all().stream().map(PackageView::of).toList();
    }

    /** Purchases already made keep their package; it can no longer be bought. */
    @PostMapping("/admin/credit-packages/{id}/disable")
    PackageView disable(@PathVariable String id) {
        if (!packages.disable(id)) {
            throw GatewayException.notFound("package_not_found", "No credit package '" + id + "'.");
        }
        return PackageView.of(packages.find(id).orElseThrow());
    }

    /** What the caller can buy: the active packages (the dashboard's Buy credits page). */
    @GetMapping("/api/credits/packages")
    List<PackageView> buyable() {
        return packages.active().stream().map(PackageView::of).toList();
    }
}
