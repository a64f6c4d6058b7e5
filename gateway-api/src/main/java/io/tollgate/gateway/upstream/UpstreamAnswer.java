package io.tollgate.gateway.upstream;

import io.tollgate.gateway.routing.Deployment;

import java.io.InputStream;
import java.net.http.HttpHeaders;
import java.util.Optional;

/**
 * The provider answer a request ends with: a 200, or a 4xx of the client's own making (which no other
 * deployment would answer differently). The caller reads and closes the body.
 */
public record UpstreamAnswer(Deployment deployment, int status, InputStream body, HttpHeaders headers) {

    public Optional<String> contentType() {
        return headers == null ? Optional.empty() : headers.firstValue("Content-Type");
    }
}
