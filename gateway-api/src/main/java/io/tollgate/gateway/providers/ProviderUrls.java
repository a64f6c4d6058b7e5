package io.tollgate.gateway.providers;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.net.URI;

/**
 * A provider's endpoint addresses: {baseUrl}/{path}, whether or not the base URL ends with a slash. Every chat
 * request asks for the same few, and parsing one with {@link URI#create} was about 1 % of the gateway's CPU per
 * request (JFR), so each is parsed once; the bound keeps a changing set of base URLs or model paths from growing it.
 */
public final class ProviderUrls {
    private static final Cache<Endpoint, URI> RESOLVED = Caffeine.newBuilder().maximumSize(4_096).build();

    private record Endpoint(URI baseUrl, String path) {
    }

    private ProviderUrls() {
    }

    public static URI resolve(URI baseUrl, String path) {
        return RESOLVED.get(new Endpoint(baseUrl, path), endpoint -> {
            String base = endpoint.baseUrl().toString();
            return URI.create((base.endsWith("/") ? base : base + "/") + endpoint.path());
        });
    }
}
