package io.tollgate.ledger.audit;

import io.tollgate.events.TollgateEvent;
import io.tollgate.ledger.api.RecordAdminEvent;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.messaging.annotation.SourceId;
import org.axonframework.modelling.command.AggregateCreationPolicy;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.CreationPolicy;
import org.axonframework.spring.stereotype.Aggregate;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

/**
 * The audit trail of one thing an admin manages (an API key, a provider, the limits of a key or an
 * account). It decides nothing; it exists so that admin actions that are not credit movements are
 * events in the same store, with the same ordering, publication and retention as the ledger. Which
 * trail an event belongs to is {@link RecordAdminEvent#trailIdOf}.
 */
// Public only for the bean definitions Spring generates at build time in Axon's package; the gateway reaches
// the ledger through io.tollgate.ledger.api alone (its ArchitectureTest).
@Aggregate
public class AdminAuditTrail {
    @AggregateIdentifier
    private String trailId;

    protected AdminAuditTrail() {
        // for Axon: event sourcing, and creation by the first RecordAdminEvent
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    public void handle(RecordAdminEvent command) {
        if (!RecordAdminEvent.trailIdOf(command.event()).equals(command.trailId())) {
            throw new IllegalArgumentException("event does not belong to trail " + command.trailId());
        }
        trailId = command.trailId();
        apply(command.event());
    }

    @EventSourcingHandler
    void on(TollgateEvent event, @SourceId String sourceId) {
        trailId = sourceId;
    }
}
