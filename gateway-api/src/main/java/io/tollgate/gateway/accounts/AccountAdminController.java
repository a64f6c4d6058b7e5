package io.tollgate.gateway.accounts;

import io.tollgate.gateway.edge.ClientText;
import io.tollgate.gateway.edge.EdgeText;

import io.tollgate.events.Credits;
import io.tollgate.events.EventIds;
import io.tollgate.events.GrantSource;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.ledger.credits.Commands.AdjustCredits;
import io.tollgate.ledger.credits.Commands.CloseAccount;
import io.tollgate.ledger.credits.Commands.GrantCredits;
import io.tollgate.ledger.credits.Commands.OpenAccount;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import io.tollgate.gateway.auth.AuthInvalidation;
import io.tollgate.gateway.metering.CreditMeter;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.time.Instant;

/** Admin API for accounts and their credit; keys are {@link KeysController}'s. */
@RestController
@RequestMapping("/admin")
class AccountAdminController {
    private final CommandGateway commands;
    private final JdbcClient jdbc;

    AccountAdminController(CommandGateway commands, JdbcClient jdbc) {
        this.commands = commands;
        this.jdbc = jdbc;
    }

    /** Ids starting with '_' are reserved for system streams such as {@link io.tollgate.events.RateCards#SYSTEM_ACCOUNT}. */
    record OpenAccountRequest(@Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9_.-]{0,63}") String id,
                              @NotBlank @EdgeText String displayName) {
    }

    record AccountResponse(String id, String displayName) {
    }

    record GrantRequest(@NotNull @Positive BigDecimal credits, GrantSource source, Instant expiresAt) {
    }

    record GrantResponse(String accountId, String grantId, BigDecimal credits) {
    }

    /** @param credits signed: a negative adjustment takes credit away, never more than is available */
    record AdjustmentRequest(@NotNull BigDecimal credits, @NotBlank @EdgeText(max = ClientText.TEXT_MAX) String reason) {
    }

    record AdjustmentResponse(String accountId, BigDecimal credits, String reason) {
    }

    record CloseRequest(@NotBlank @EdgeText(max = ClientText.TEXT_MAX) String reason) {
    }

    record CloseResponse(String accountId, boolean closedNow) {
    }

    @PostMapping("/accounts")
    @ResponseStatus(HttpStatus.CREATED)
    AccountResponse open(@Valid @RequestBody OpenAccountRequest request, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        String id = request.id() != null ? request.id() : "acct_" + EventIds.next();
        commands.sendAndWait(new OpenAccount(id, request.displayName(), admin.keyId()));
        return new AccountResponse(id, request.displayName());
    }

    @PostMapping("/accounts/{accountId}/grants")
    @ResponseStatus(HttpStatus.CREATED)
    GrantResponse grant(@PathVariable String accountId, @Valid @RequestBody GrantRequest request,
                        @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        String grantId = "grant_" + EventIds.next();
        long micros = Credits.micros(request.credits());
        GrantSource source = request.source() != null ? request.source() : GrantSource.ADMIN;
        commands.sendAndWait(new GrantCredits(accountId, grantId, micros, source, request.expiresAt(), admin.keyId()));
        return new GrantResponse(accountId, grantId, Credits.toCredits(micros));
    }

    @PostMapping("/accounts/{accountId}/adjustments")
    @ResponseStatus(HttpStatus.CREATED)
    AdjustmentResponse adjust(@PathVariable String accountId, @Valid @RequestBody AdjustmentRequest request,
                              @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        long micros = Credits.micros(request.credits());
        commands.sendAndWait(new AdjustCredits(accountId, micros, request.reason(), admin.keyId()));
        return new AdjustmentResponse(accountId, Credits.toCredits(micros), request.reason());
    }

    /** Closing twice is harmless: the second call answers closedNow = false. */
    @PostMapping("/accounts/{accountId}/close")
    CloseResponse close(@PathVariable String accountId, @Valid @RequestBody CloseRequest request,
                        @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        boolean closedNow = commands.sendAndWait(new CloseAccount(accountId, request.reason(), admin.keyId()));
        // Instances metering the account on leases stop at once, rather than when their leases retire.
        jdbc.sql("select pg_notify(?, ?)").params(AuthInvalidation.CHANNEL, CreditMeter.ACCOUNT_CHANGED + accountId)
                .query().singleRow();
        return new CloseResponse(accountId, closedNow);
    }
}
