package io.tollgate.gateway.providers;

import io.tollgate.gateway.errors.GatewayException;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * The operator's allow-list of provider hosts ({@code tollgate.upstream.allowed-hosts}): the stored keys of
 * a provider only ever travel to these. Entries are {@code host} (any port), {@code host:port}, or
 * {@code *.domain} (any host below the domain); an empty list allows every host.
 */
@Component
public class UpstreamHosts {
    private final List<String> entries;

    @Autowired
    public UpstreamHosts(UpstreamProperties properties) {
        this(properties.allowedHosts());
    }

    UpstreamHosts(List<String> entries) {
        this.entries = entries == null ? List.of() : entries.stream().map(String::strip).filter(e -> !e.isEmpty())
                .map(e -> e.toLowerCase(Locale.ROOT)).toList();
    }

    /** Whether the operator limited the hosts at all. */
    public boolean restricted() {
        return !entries.isEmpty();
    }

    public boolean allowed(URI baseUrl) {
        if (entries.isEmpty()) {
            return true;
        }
        String host = baseUrl.getHost();
        if (host == null) {
            return false;
        }
        host = host.toLowerCase(Locale.ROOT);
        int port = baseUrl.getPort() != -1 ? baseUrl.getPort() : "https".equalsIgnoreCase(baseUrl.getScheme()) ? 443 : 80;
        for (String entry : entries) {
            if (entry.startsWith("*.")) {
                if (host.endsWith(entry.substring(1))) {
                    return true;
                }
                continue;
            }
            int colon = entry.lastIndexOf(':');
            boolean withPort = colon > 0 && entry.indexOf(']') < colon && entry.substring(colon + 1).chars()
                    .allMatch(Character::isDigit);
            String entryHost = withPort ? entry.substring(0, colon) : entry;
            if (entryHost.startsWith("[") && entryHost.endsWith("]")) {
                entryHost = entryHost.substring(1, entryHost.length() - 1);
            }
            String bareHost = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            if (entryHost.equals(bareHost) && (!withPort || Integer.parseInt(entry.substring(colon + 1)) == port)) {
                return true;
            }
        }
        return false;
    }

    /** Refuses (400) an address outside the allow-list. */
    public void requireAllowed(URI baseUrl) {
        if (!allowed(baseUrl)) {
            throw new GatewayException(HttpStatus.BAD_REQUEST, "invalid_request_error", "upstream_host_not_allowed",
                    "Providers may not live at " + baseUrl.getHost() + (baseUrl.getPort() == -1 ? "" : ":" + baseUrl.getPort())
                            + ": it is not in tollgate.upstream.allowed-hosts (TOLLGATE_UPSTREAM_ALLOWED_HOSTS).");
        }
    }
}
