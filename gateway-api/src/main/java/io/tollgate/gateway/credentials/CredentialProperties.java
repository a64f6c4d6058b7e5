package io.tollgate.gateway.credentials;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * @param coolDown             how long a credential's weight stays cut after the provider answered 429
 *                             (env TOLLGATE_CREDENTIALS_COOL_DOWN)
 * @param coolDownWeightFactor its weight during the cool-down as a fraction of its configured weight: 0 takes
 *                             it out of rotation (the default), 0.1 keeps a tenth of its share
 * @param recheckInterval      how often credentials the provider refused (401/403) are tested again and
 *                             re-enabled when they work (env TOLLGATE_CREDENTIALS_RECHECK_INTERVAL)
 * @param testTimeout          the whole of one test call against a provider's /models
 * @param usageFlushInterval   how often each instance writes when its credentials were last used and their
 *                             last errors (never per call)
 */
@ConfigurationProperties("tollgate.credentials")
record CredentialProperties(@DefaultValue("30s") Duration coolDown,
                                   @DefaultValue("0") double coolDownWeightFactor,
                                   @DefaultValue("5m") Duration recheckInterval,
                                   @DefaultValue("10s") Duration testTimeout,
                                   @DefaultValue("5s") Duration usageFlushInterval) {
    public CredentialProperties {
        if (coolDownWeightFactor < 0 || coolDownWeightFactor > 1) {
            throw new IllegalArgumentException("tollgate.credentials.cool-down-weight-factor lies in [0, 1]");
        }
    }
}
