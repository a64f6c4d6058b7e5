package io.tollgate.ledger.audit;

import io.tollgate.events.TollgateEvent;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * Append one admin audit event (a key issued or revoked, a provider, credential or limit changed) to the
 * trail of what it is about. Travels through the command bus like every other change, so it is stored in
 * the event store and published to Kafka like the ledger's own events.
 *
 * @param trailId the audit stream, e.g. {@code audit:key:key_…}; see {@link AdminAuditTrail#trailId}
 */
public record RecordAdminEvent(@TargetAggregateIdentifier String trailId, TollgateEvent event) {

    /** The command that appends {@code event} to the trail it belongs to. */
    public static RecordAdminEvent of(TollgateEvent event) {
        return new RecordAdminEvent(AdminAuditTrail.trailId(event), event);
    }
}
