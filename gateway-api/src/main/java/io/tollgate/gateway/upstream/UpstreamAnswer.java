package io.tollgate.gateway.upstream;

import io.tollgate.gateway.routing.Deployment;

import java.io.InputStream;
import java.net.http.HttpHeaders;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The provider answer a request ends with: a 200, or a 4xx of the client's own making (which no other
 * deployment would answer differently). The caller reads and closes the body. The provider's headers are
 * gathered only when asked for: few callers read them.
 */
public record UpstreamAnswer(Deployment deployment, int status, InputStream body, Supplier<HttpHeaders> headers) {

    public Optional<String> contentType() {
        return headers.get().firstValue("Content-Type");
    }
}
