package io.tollgate.gateway.accounts;

import io.tollgate.gateway.edge.ClientText;
import io.tollgate.gateway.edge.EdgeText;
import io.tollgate.gateway.hashing.Sha256;

import io.tollgate.events.support.Credits;
import io.tollgate.events.support.EventIds;
import io.tollgate.events.GrantSource;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.ledger.api.Commands.AdjustCredits;
import io.tollgate.ledger.api.Commands.CloseAccount;
import io.tollgate.ledger.api.Commands.GrantCredits;
import io.tollgate.ledger.api.Commands.OpenAccount;
import io.tollgate.ledger.api.Ledger;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.idempotency.IdempotencyFilter;
import io.tollgate.gateway.idempotency.IdempotencyKey;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.time.Instant;

/** Admin API for accounts and their credit; keys are {@link KeysController}'s. */
@RestController
@RequestMapping("/admin")
class AccountAdminController {
    private static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    /** A caller's own grant or adjustment id: plain characters only, as it is stored in events. */
    private static final String CLIENT_ID = "[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}";
    private final Ledger ledger;
    private final AccountChangeNotice accountChanges;

    AccountAdminController(Ledger ledger, AccountChangeNotice accountChanges) {
        this.ledger = ledger;
        this.accountChanges = accountChanges;
    }

    /** Ids starting with '_' are reserved for system streams such as {@link io.tollgate.events.support.RateCards#SYSTEM_ACCOUNT}. */
    record OpenAccountRequest(@Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9_.-]{0,63}") String id,
                              @NotBlank @EdgeText String displayName) {
    }

    record AccountResponse(String id, String displayName) {
    }

    /** @param grantId optional, chosen by the caller: a grant with an id the account has seen is not granted again */
    record GrantRequest(@NotNull @Positive BigDecimal credits, GrantSource source, Instant expiresAt,
                        @Pattern(regexp = CLIENT_ID) String grantId) {
    }

    record GrantResponse(String accountId, String grantId, BigDecimal credits) {
    }

    /** @param credits signed: a negative adjustment takes credit away, never more than is available */
    record AdjustmentRequest(@NotNull BigDecimal credits, @NotBlank @EdgeText(max = ClientText.TEXT_MAX) String reason,
                             @Pattern(regexp = CLIENT_ID) String adjustmentId) {
    }

    record AdjustmentResponse(String accountId, BigDecimal credits, String reason, String adjustmentId) {
    }

    record CloseRequest(@NotBlank @EdgeText(max = ClientText.TEXT_MAX) String reason) {
    }

    record CloseResponse(String accountId, boolean closedNow) {
    }

    @PostMapping("/accounts")
    @ResponseStatus(HttpStatus.CREATED)
    AccountResponse open(@Valid @RequestBody OpenAccountRequest request, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        String id = request.id() != null ? request.id() : "acct_" + EventIds.next();
        ledger.openAccount(new OpenAccount(id, request.displayName(), admin.keyId()));
        return new AccountResponse(id, request.displayName());
    }

    /**
     * A retried grant (a webhook sent again, a call whose answer was lost although it committed) grants once:
     * with an {@code Idempotency-Key} header or a {@code grantId} the account has seen, the same terms answer
     * as the first time and other terms are 422.
     */
    @PostMapping("/accounts/{accountId}/grants")
    ResponseEntity<GrantResponse> grant(@PathVariable String accountId, @Valid @RequestBody GrantRequest request,
                                        @RequestHeader(value = IDEMPOTENCY_KEY, required = false) String idempotencyKey,
                                        @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        String grantId = operationId("grant_", request.grantId(), idempotencyKey);
        if (grantId == null) {
            grantId = "grant_" + EventIds.next();
        }
        long micros = Credits.micros(request.credits());
        GrantSource source = request.source() != null ? request.source() : GrantSource.ADMIN;
        boolean granted = ledger.grant(new GrantCredits(accountId, grantId, micros, source, request.expiresAt(),
                admin.keyId()));
        return created(granted, new GrantResponse(accountId, grantId, Credits.toCredits(micros)));
    }

    /** Idempotent like grants, by {@code Idempotency-Key} or {@code adjustmentId}. */
    @PostMapping("/accounts/{accountId}/adjustments")
    ResponseEntity<AdjustmentResponse> adjust(@PathVariable String accountId, @Valid @RequestBody AdjustmentRequest request,
                                              @RequestHeader(value = IDEMPOTENCY_KEY, required = false) String idempotencyKey,
                                              @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        String adjustmentId = operationId("adj_", request.adjustmentId(), idempotencyKey);
        long micros = Credits.micros(request.credits());
        boolean adjusted = ledger.adjust(new AdjustCredits(accountId, micros, request.reason(), admin.keyId(),
                adjustmentId));
        return created(adjusted, new AdjustmentResponse(accountId, Credits.toCredits(micros), request.reason(),
                adjustmentId));
    }

    /**
     * The id that makes a grant or adjustment idempotent: the caller's own, or one derived from its
     * Idempotency-Key (hashed, so that no client string of any shape reaches the event); null for neither.
     */
    private static String operationId(String prefix, String chosen, String idempotencyKey) {
        if (idempotencyKey == null) {
            return chosen;
        }
        if (chosen != null) {
            throw GatewayException.badRequest("Send an Idempotency-Key header or an id in the body, not both.");
        }
        if (!IdempotencyKey.isValid(idempotencyKey)) {
            throw GatewayException.badRequest("The Idempotency-Key must be 1 to 255 printable ASCII characters.");
        }
        byte[] hash = Sha256.of(idempotencyKey.getBytes(StandardCharsets.US_ASCII));
        return prefix + "key_" + HexFormat.of().formatHex(hash, 0, 16);
    }

    private static <T> ResponseEntity<T> created(boolean now, T body) {
        var response = ResponseEntity.status(HttpStatus.CREATED);
        if (!now) {
            response.header(IdempotencyFilter.REPLAYED_HEADER, "true");
        }
        return response.body(body);
    }

    /** Closing twice is harmless: the second call answers closedNow = false. */
    @PostMapping("/accounts/{accountId}/close")
    CloseResponse close(@PathVariable String accountId, @Valid @RequestBody CloseRequest request,
                        @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        boolean closedNow = ledger.close(new CloseAccount(accountId, request.reason(), admin.keyId()));
        accountChanges.announce(accountId);
        return new CloseResponse(accountId, closedNow);
    }
}
