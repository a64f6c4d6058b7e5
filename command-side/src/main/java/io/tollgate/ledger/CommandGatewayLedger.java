package io.tollgate.ledger;

import io.tollgate.ledger.api.Commands.AdjustCredits;
import io.tollgate.ledger.api.Commands.ClawBackCredits;
import io.tollgate.ledger.api.Commands.CloseAccount;
import io.tollgate.ledger.api.Commands.GrantCredits;
import io.tollgate.ledger.api.Commands.OpenAccount;
import io.tollgate.ledger.api.Ledger;
import io.tollgate.ledger.api.RecordAdminEvent;
import io.tollgate.ledger.api.SetModelRate;
import org.axonframework.commandhandling.gateway.CommandGateway;

import java.time.Instant;

/** Each command through the ledger's bounded command gateway, its answer typed as the aggregate returns it. */
final class CommandGatewayLedger implements Ledger {
    private final CommandGateway commands;

    CommandGatewayLedger(CommandGateway commands) {
        this.commands = commands;
    }

    @Override
    public void openAccount(OpenAccount command) {
        commands.sendAndWait(command);
    }

    @Override
    public boolean grant(GrantCredits command) {
        return commands.<Boolean>sendAndWait(command);
    }

    @Override
    public boolean adjust(AdjustCredits command) {
        return commands.<Boolean>sendAndWait(command);
    }

    @Override
    public long clawBack(ClawBackCredits command) {
        return commands.<Long>sendAndWait(command);
    }

    @Override
    public boolean close(CloseAccount command) {
        return commands.<Boolean>sendAndWait(command);
    }

    @Override
    public Instant setModelRate(SetModelRate command) {
        return commands.sendAndWait(command);
    }

    @Override
    public void recordAdminEvent(RecordAdminEvent command) {
        commands.sendAndWait(command);
    }
}
