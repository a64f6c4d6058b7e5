package io.tollgate.gateway.providers;

import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** The one HTTP client every provider call goes through. */
@Component
public class UpstreamHttp {
    private final HttpClient http;
    private final UpstreamProperties properties;

    public UpstreamHttp(UpstreamProperties properties) {
        this.properties = properties;
        this.http = HttpClient.newBuilder()
                .connectTimeout(properties.connectTimeout())
                // HTTP/1.1: plain-http upstreams (Ollama, local servers) mishandle the h2c upgrade
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /**
     * Returns once the response headers arrived; the caller reads and must close the body. Closing it
     * early cancels the upstream call.
     */
    public HttpResponse<InputStream> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(properties.responseTimeout()).build(), HttpResponse.BodyHandlers.ofInputStream());
    }
}
