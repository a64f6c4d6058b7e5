package io.tollgate.events;

import java.time.Instant;
import java.util.UUID;

/**
 * A model's price list from {@code effectiveFrom} on, until a later version takes over. Rates are
 * effective-dated facts: a request is priced at the version in force when it was reserved (the rate is
 * copied into its {@link CreditsReserved}), so replaying the log prices every request as it ran.
 * Setting a second version for the same instant replaces the first.
 *
 * @param accountId                  always {@link io.tollgate.events.support.RateCards#SYSTEM_ACCOUNT}, so that rate events share
 *                                   one Kafka key and keep their order
 * @param inputMicrosPerMillion      micro-credits per million input tokens
 * @param outputMicrosPerMillion     micro-credits per million output tokens
 * @param cachedInputMicrosPerMillion micro-credits per million input tokens served from the provider's cache
 * @param imageMicros                micro-credits per generated image (0 when not priced)
 * @param embeddingMicrosPerMillion  micro-credits per million embedding input tokens (0 when not priced)
 * @param audioSecondMicros          micro-credits per second of transcribed audio (0 when not priced; absent
 *                                   from events written before audio existed, which read as 0)
 * @param speechCharacterMicros      micro-credits per character of text spoken (0 when not priced; likewise)
 * @param effectiveFrom              from when on the version applies (may lie in the future)
 */
public record ModelRateSet(UUID eventId, Instant occurredAt, String accountId, String provider, String model,
                           long inputMicrosPerMillion, long outputMicrosPerMillion, long cachedInputMicrosPerMillion,
                           long imageMicros, long embeddingMicrosPerMillion, long audioSecondMicros,
                           long speechCharacterMicros, Instant effectiveFrom, String actor)
        implements TollgateEvent {
}
