package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/**
 * Every fact Tollgate records. Records are immutable and carry the envelope fields themselves, so a
 * consumer never needs anything but the event to project it.
 */
public sealed interface TollgateEvent
        permits AccountOpened, AccountClosed, CreditsGranted, CreditsExpired, CreditsAdjusted,
                RequestAccepted, CreditsReserved, RequestRejected, ProviderCalled, TokensConsumed,
                CreditsDebited, ReservationReleased, CreditsRefunded, ModelRateSet,
                ApiKeyIssued, ApiKeyRevoked, ProviderConfigured, CredentialChanged, LimitsChanged,
                LeaseGranted, LeaseExtended, LeaseSettled, UsageOverHold {

    /** Time-ordered (UUIDv7) so that ids sort roughly by creation time. */
    UUID eventId();

    Instant occurredAt();

    /** The Kafka key: every event of one account lands on one partition, in order. */
    String accountId();
}
