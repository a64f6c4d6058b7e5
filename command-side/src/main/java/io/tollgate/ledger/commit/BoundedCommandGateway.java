package io.tollgate.ledger.commit;

import io.tollgate.ledger.api.CreditLeases.LedgerUnavailable;
import org.axonframework.commandhandling.CommandBus;
import org.axonframework.commandhandling.CommandExecutionException;
import org.axonframework.commandhandling.CommandMessage;
import org.axonframework.commandhandling.gateway.DefaultCommandGateway;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Axon's gateway, except that nobody waits for a command's answer for ever: {@code sendAndWait} gives up
 * after the answer timeout with {@link LedgerUnavailable}, which callers on the request and admin paths
 * answer 503. A command that timed out may still commit afterwards.
 */
class BoundedCommandGateway extends DefaultCommandGateway {
    private final Duration answerTimeout;

    public BoundedCommandGateway(CommandBus commandBus, Duration answerTimeout) {
        super(DefaultCommandGateway.builder().commandBus(commandBus));
        this.answerTimeout = answerTimeout;
    }

    @Override
    public <R> R sendAndWait(Object command) {
        return sendAndWait(command, answerTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public <R> R sendAndWait(Object command, long timeout, TimeUnit unit) {
        CompletableFuture<R> answer = send(command);
        try {
            return answer.get(timeout, unit);
        } catch (TimeoutException e) {
            throw new LedgerUnavailable("the ledger did not answer " + nameOf(command) + " within "
                    + Duration.ofNanos(unit.toNanos(timeout)), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerUnavailable("interrupted while waiting for the ledger to answer " + nameOf(command), e);
        } catch (ExecutionException e) {
            Throwable failure = e.getCause();
            if (failure instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (failure instanceof Error error) {
                throw error;
            }
            throw new CommandExecutionException(failure.getMessage(), failure);
        }
    }

    private static String nameOf(Object command) {
        Object payload = command instanceof CommandMessage<?> message ? message.getPayload() : command;
        return payload.getClass().getSimpleName();
    }
}
