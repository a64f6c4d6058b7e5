package io.tollgate.ledger.leases;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * @param instanceId    names this instance in its leases; empty: a fresh id per start, which is right,
 *                      because a restarted instance cannot continue the leases of its previous life
 * @param answerTimeout how long a lease command may wait for the ledger before the request is answered 503
 * @param settleGrace   how long after its expiry an unreturned lease is settled from the topic: longer than
 *                      an instance may still be finishing a request on it
 */
@ConfigurationProperties("tollgate.ledger.leases")
public record LeaseProperties(@DefaultValue("") String instanceId, @DefaultValue("2s") Duration answerTimeout,
                              @DefaultValue("15s") Duration settleGrace) {
}
