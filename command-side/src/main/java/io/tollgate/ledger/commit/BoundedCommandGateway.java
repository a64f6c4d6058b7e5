package io.tollgate.ledger.commit;

import io.tollgate.ledger.api.CreditLeases.LedgerUnavailable;
import org.axonframework.commandhandling.CommandExecutionException;
import org.axonframework.commandhandling.CommandMessage;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.DefaultCommandGateway;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Axon's gateway, except that nobody waits for a command's answer for ever: {@code sendAndWait} gives up
 * after the answer timeout with {@link LedgerUnavailable}, which callers on the request and admin paths
 * answer 503.
 * <p>
 * A 503 means "not done, retry": a command still queued when its caller gives up (behind a database that
 * is away, or an account another instance holds locked) is abandoned and never runs. One the ledger had
 * already started is waited for once more, as its transaction ends within the pool's and the database's
 * bounds; only one still unfinished after that is answered 503 with its outcome unknown.
 */
class BoundedCommandGateway extends DefaultCommandGateway {
    private final GroupCommitCommandBus commandBus;
    private final Duration answerTimeout;

    public BoundedCommandGateway(GroupCommitCommandBus commandBus, Duration answerTimeout) {
        super(DefaultCommandGateway.builder().commandBus(commandBus));
        this.commandBus = commandBus;
        this.answerTimeout = answerTimeout;
    }

    @Override
    public <R> R sendAndWait(Object command) {
        return sendAndWait(command, answerTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public <R> R sendAndWait(Object command, long timeout, TimeUnit unit) {
        CommandMessage<?> message = GenericCommandMessage.asCommandMessage(command);
        CompletableFuture<R> answer = send(message);
        try {
            try {
                return answer.get(timeout, unit);
            } catch (TimeoutException notYet) {
                if (commandBus.abandon(message.getIdentifier())) {
                    throw new LedgerUnavailable("the ledger did not start " + nameOf(command) + " within "
                            + Duration.ofNanos(unit.toNanos(timeout)) + "; it will not run", notYet);
                }
                return answer.get(timeout, unit);
            }
        } catch (TimeoutException e) {
            throw new LedgerUnavailable("the ledger started " + nameOf(command) + " but did not finish it within "
                    + Duration.ofNanos(unit.toNanos(timeout) * 2) + "; its outcome is unknown", e);
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
