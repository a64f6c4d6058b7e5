package io.tollgate.gateway.providers;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;
import java.util.List;

/**
 * @param connectTimeout  connecting to a provider, and waiting for a pooled connection
 * @param responseTimeout the longest wait for the provider's bytes: its response headers (from the start of
 *                        the call), and each pause within its answer (a stream may run longer, but not pause
 *                        longer); kept within a twentieth of itself (at least 10 ms, at most 1 s)
 * @param allowedHosts    where providers may live: {@code host}, {@code host:port} or {@code *.domain}
 *                        entries; empty: anywhere. A provider elsewhere cannot be registered or moved there,
 *                        and one stored elsewhere is not called
 */
@ConfigurationProperties("tollgate.upstream")
public record UpstreamProperties(@DefaultValue("10s") Duration connectTimeout,
                                 @DefaultValue("120s") Duration responseTimeout,
                                 @DefaultValue List<String> allowedHosts) {
}
