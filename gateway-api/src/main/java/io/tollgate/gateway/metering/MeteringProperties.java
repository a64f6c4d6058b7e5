package io.tollgate.gateway.metering;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * How this instance meters requests against credit leases.
 *
 * @param leaseTtl         a lease's life in the ledger; one whose instance dies is settled from the topic
 *                         this long (plus the ledger's settle grace) after it was last extended
 * @param retireAfter      a lease takes new requests this long, then is given back once its requests
 *                         finish, so unused credit returns to the account within about this time
 * @param minLeaseRequests a lease is asked for at least this many worst cases of the request that needs it
 * @param maxLeaseCredits  the most credit one lease takes, however fast the account spends
 * @param leaseWait        how long a request waits for its account's next lease (queued behind the
 *                         request asking the ledger for it) before answering 503
 * @param tick             how often leases are extended, retired and given back
 */
@ConfigurationProperties("tollgate.metering")
public record MeteringProperties(@DefaultValue("60s") Duration leaseTtl,
                                 @DefaultValue("10s") Duration retireAfter,
                                 @DefaultValue("8") int minLeaseRequests,
                                 @DefaultValue("100") BigDecimal maxLeaseCredits,
                                 @DefaultValue("5s") Duration leaseWait,
                                 @DefaultValue("1s") Duration tick) {
}
