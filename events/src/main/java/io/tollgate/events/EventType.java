package io.tollgate.events;

import java.util.List;

/**
 * The catalogue: each event's wire name and current schema version. Bump a version only together
 * with an {@link EventUpcaster} from the previous one.
 */
public record EventType(String name, Class<? extends TollgateEvent> recordClass, int currentVersion) {

    public static final List<EventType> CATALOGUE = List.of(
            v1(AccountOpened.class),
            v1(AccountClosed.class),
            v1(CreditsGranted.class),
            v1(CreditsExpired.class),
            v1(CreditsAdjusted.class),
            v1(RequestAccepted.class),
            v1(CreditsReserved.class),
            v1(RequestRejected.class),
            v1(ProviderCalled.class),
            v1(TokensConsumed.class),
            v1(CreditsDebited.class),
            v1(ReservationReleased.class),
            v1(CreditsRefunded.class),
            v1(ModelRateSet.class),
            // Admin audit: who changed keys, providers, credentials and limits.
            v1(ApiKeyIssued.class),
            v1(ApiKeyRevoked.class),
            v1(ProviderConfigured.class),
            v1(CredentialChanged.class),
            v1(LimitsChanged.class),
            // Credit leases: blocks of credit a gateway instance meters requests against in memory.
            v1(LeaseGranted.class),
            v1(LeaseExtended.class),
            v1(LeaseSettled.class));

    private static EventType v1(Class<? extends TollgateEvent> recordClass) {
        return new EventType(recordClass.getSimpleName(), recordClass, 1);
    }
}
