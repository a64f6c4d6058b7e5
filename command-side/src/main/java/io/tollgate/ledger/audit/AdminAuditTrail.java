package io.tollgate.ledger.audit;

import io.tollgate.events.ApiKeyIssued;
import io.tollgate.events.ApiKeyRevoked;
import io.tollgate.events.CredentialChanged;
import io.tollgate.events.LimitsChanged;
import io.tollgate.events.ProviderConfigured;
import io.tollgate.events.TollgateEvent;
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
 * events in the same store, with the same ordering, publication and retention as the ledger.
 * <p>
 * Trail ids contain ':' and so never collide with account ids (letters, digits, '_', '.', '-') or
 * rate card ids ('provider/model').
 */
@Aggregate
class AdminAuditTrail {
    @AggregateIdentifier
    private String trailId;

    protected AdminAuditTrail() {
        // for Axon: event sourcing, and creation by the first RecordAdminEvent
    }

    public static String trailId(TollgateEvent event) {
        return switch (event) {
            case ApiKeyIssued issued -> "audit:key:" + issued.keyId();
            case ApiKeyRevoked revoked -> "audit:key:" + revoked.keyId();
            case ProviderConfigured provider -> "audit:provider:" + provider.provider();
            case CredentialChanged credential -> "audit:provider:" + credential.provider();
            case LimitsChanged limits -> "audit:limits:" + limits.subjectType() + ":" + limits.subjectId();
            default -> throw new IllegalArgumentException(event.getClass().getSimpleName() + " is not an admin audit event");
        };
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    public void handle(RecordAdminEvent command) {
        if (!trailId(command.event()).equals(command.trailId())) {
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
