package io.tollgate.gateway.limits;

import io.tollgate.events.support.Credits;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

/**
 * {@code tollgate.limits.*}: limits per key and per account (stored ones win over these defaults).
 *
 * @param enabled         off: no limit is checked anywhere
 * @param paths           the POST endpoints that are metered
 * @param defaults        limits for keys and accounts that have none stored
 * @param configCacheTtl  how long a key's or account's limits are cached (changes also reach every instance
 *                        at once through the database's change notifications)
 * @param leaseTtl        how long a concurrency lease outlives its instance: a lease is renewed every
 *                        third of this while its request runs; after a crash it stops counting at most
 *                        this late
 */
@ConfigurationProperties("tollgate.limits")
record LimitProperties(@DefaultValue("true") boolean enabled,
                              @DefaultValue({"/v1/chat/completions", "/v1/messages", "/v1/responses", "/v1/embeddings",
                                      "/v1/images/generations", "/api/v2/chat/completions", "/api/v2/chat",
                                      "/api/v2/embeddings", "/api/v2/image"}) List<String> paths,
                              @DefaultValue Defaults defaults,
                              @DefaultValue("5s") Duration configCacheTtl,
                              @DefaultValue("30s") Duration leaseTtl) {

    public record Defaults(@DefaultValue Default key, @DefaultValue Default account) {
    }

    /** @param budget credits per budgetPeriod (day or month) */
    public record Default(Long requestsPerMinute, Long tokensPerMinute, Integer concurrentRequests,
                          BigDecimal budget, String budgetPeriod) {
        Limits toLimits() {
            return new Limits(requestsPerMinute, tokensPerMinute, concurrentRequests,
                    budget == null ? null : Credits.micros(budget), budget == null ? null : budgetPeriod == null ? "month" : budgetPeriod);
        }
    }
}
