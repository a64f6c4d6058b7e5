package io.tollgate.ledger.leases;

import io.tollgate.ledger.api.CreditLeases;
import io.tollgate.ledger.api.Commands.ExtendLease;
import io.tollgate.ledger.api.Commands.GrantLease;
import io.tollgate.ledger.api.Commands.SettleLease;
import io.tollgate.ledger.api.LeaseOutcome;
import org.axonframework.commandhandling.gateway.CommandGateway;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/** Leases through the CreditAccount aggregate on the group-commit command bus. */
final class AxonCreditLeases implements CreditLeases {
    private final CommandGateway commands;
    private final String instanceId;
    private final Duration answerTimeout;

    AxonCreditLeases(CommandGateway commands, String instanceId, Duration answerTimeout) {
        this.commands = commands;
        this.instanceId = instanceId;
        this.answerTimeout = answerTimeout;
    }

    @Override
    public String instanceId() {
        return instanceId;
    }

    @Override
    public LeaseOutcome grant(String accountId, String leaseId, long wantedMicros, long minimumMicros, Duration ttl) {
        return send(new GrantLease(accountId, leaseId, instanceId, wantedMicros, minimumMicros, ttl));
    }

    @Override
    public boolean extend(String accountId, String leaseId, Instant expiresAt) {
        return send(new ExtendLease(accountId, leaseId, expiresAt));
    }

    @Override
    public long settle(String accountId, String leaseId, long debitedMicros, long requests) {
        return send(new SettleLease(accountId, leaseId, debitedMicros, requests));
    }

    /** Through the bounded gateway, so that a lease command still queued when the wait ends never runs. */
    private <R> R send(Object command) {
        try {
            return commands.sendAndWait(command, answerTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RuntimeException failure) {
            if (isInfrastructure(failure)) {
                throw new LedgerUnavailable("the ledger failed: " + failure, failure);
            }
            throw failure;
        }
    }

    /** Failures of the store rather than decisions of the account. */
    private static boolean isInfrastructure(RuntimeException failure) {
        return failure instanceof org.springframework.dao.DataAccessException
                || failure instanceof org.axonframework.common.AxonTransientException
                || failure instanceof org.springframework.transaction.TransactionException
                || failure instanceof org.axonframework.commandhandling.CommandExecutionException;
    }
}
