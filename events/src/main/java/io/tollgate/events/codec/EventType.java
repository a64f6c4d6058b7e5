package io.tollgate.events.codec;

import io.tollgate.events.AccountClosed;
import io.tollgate.events.AccountOpened;
import io.tollgate.events.ApiKeyIssued;
import io.tollgate.events.ApiKeyRevoked;
import io.tollgate.events.CredentialChanged;
import io.tollgate.events.CreditsAdjusted;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.CreditsExpired;
import io.tollgate.events.CreditsGranted;
import io.tollgate.events.CreditsRefunded;
import io.tollgate.events.CreditsReserved;
import io.tollgate.events.LeaseExtended;
import io.tollgate.events.LeaseGranted;
import io.tollgate.events.LeaseSettled;
import io.tollgate.events.LimitsChanged;
import io.tollgate.events.ModelRateSet;
import io.tollgate.events.ProviderCalled;
import io.tollgate.events.ProviderConfigured;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.RequestRejected;
import io.tollgate.events.ReservationReleased;
import io.tollgate.events.TokensConsumed;
import io.tollgate.events.TollgateEvent;
import io.tollgate.events.UsageOverHold;
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
            v1(LeaseSettled.class),
            // A provider reported more than a request held: charged the hold, the rest recorded.
            v1(UsageOverHold.class));

    private static EventType v1(Class<? extends TollgateEvent> recordClass) {
        return new EventType(recordClass.getSimpleName(), recordClass, 1);
    }
}
