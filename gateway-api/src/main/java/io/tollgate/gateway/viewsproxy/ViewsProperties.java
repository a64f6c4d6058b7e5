package io.tollgate.gateway.viewsproxy;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.net.URI;
import java.time.Duration;

/**
 * {@code tollgate.views.*}: where the query side is, and the secret it trusts viewer headers with.
 *
 * @param baseUrl       the query side (env TOLLGATE_VIEWS_URL)
 * @param internalToken the shared secret sent as X-Tollgate-Internal-Token (env TOLLGATE_INTERNAL_TOKEN)
 */
@ConfigurationProperties("tollgate.views")
public record ViewsProperties(@DefaultValue("http://127.0.0.1:8081") URI baseUrl, String internalToken,
                              @DefaultValue("5s") Duration connectTimeout,
                              @DefaultValue("60s") Duration responseTimeout) {
}
