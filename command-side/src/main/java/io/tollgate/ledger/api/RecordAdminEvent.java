package io.tollgate.ledger.api;

import io.tollgate.events.ApiKeyIssued;
import io.tollgate.events.ApiKeyRevoked;
import io.tollgate.events.CredentialChanged;
import io.tollgate.events.LimitsChanged;
import io.tollgate.events.ProviderConfigured;
import io.tollgate.events.TollgateEvent;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * Append one admin audit event (a key issued or revoked, a provider, credential or limit changed) to the
 * trail of what it is about. Travels through the command bus like every other change, so it is stored in
 * the event store and published to Kafka like the ledger's own events.
 * <p>
 * Trail ids contain ':' and so never collide with account ids (letters, digits, '_', '.', '-') or
 * rate card ids ('provider/model').
 *
 * @param trailId the audit stream, e.g. {@code audit:key:key_…}; see {@link #trailIdOf}
 */
public record RecordAdminEvent(@TargetAggregateIdentifier String trailId, TollgateEvent event) {

    /** The command that appends {@code event} to the trail it belongs to. */
    public static RecordAdminEvent of(TollgateEvent event) {
        return new RecordAdminEvent(trailIdOf(event), event);
    }

    /** The trail an admin audit event belongs to; throws for an event that is not one. */
    public static String trailIdOf(TollgateEvent event) {
        return switch (event) {
            case ApiKeyIssued issued -> "audit:key:" + issued.keyId();
            case ApiKeyRevoked revoked -> "audit:key:" + revoked.keyId();
            case ProviderConfigured provider -> "audit:provider:" + provider.provider();
            case CredentialChanged credential -> "audit:provider:" + credential.provider();
            case LimitsChanged limits -> "audit:limits:" + limits.subjectType() + ":" + limits.subjectId();
            default -> throw new IllegalArgumentException(event.getClass().getSimpleName() + " is not an admin audit event");
        };
    }
}
