package io.tollgate.gateway.viewsproxy;

import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.errors.GatewayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads one view of the query side for a caller, with the same viewer headers and internal token as
 * {@code /api/views/**}: for gateway routes that answer from the views in another API's shape.
 */
@Component
public class ViewsClient {
    private static final Logger log = LoggerFactory.getLogger(ViewsClient.class);
    private final ViewsProperties properties;
    private final HttpClient http;

    ViewsClient(ViewsProperties properties) {
        this.properties = properties;
        this.http = HttpClient.newBuilder()
                .connectTimeout(properties.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /** The view's status and body (JSON). */
    public record View(int status, String body) {
    }

    /**
     * @param path  a path under the query side's base URL, e.g. {@code /api/views/accounts/a/aigne/credit/balance};
     *              its segments must be encoded by the caller
     * @param query parameters, encoded here; null values are left out
     */
    public View get(String path, Map<String, String> query, Caller caller) {
        String basePath = properties.baseUrl().getPath() == null ? "" : properties.baseUrl().getPath().replaceAll("/+$", "");
        String parameters = query.entrySet().stream().filter(e -> e.getValue() != null)
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        URI target = URI.create(properties.baseUrl().getScheme() + "://" + properties.baseUrl().getRawAuthority()
                + basePath + path + (parameters.isEmpty() ? "" : "?" + parameters));
        HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(properties.responseTimeout()).GET()
                .header("accept", "application/json");
        HttpResponse<String> answer = send(request, caller, HttpResponse.BodyHandlers.ofString());
        return new View(answer.statusCode(), answer.body());
    }

    /**
     * Sends a request to the query side as the caller: with the internal token and the viewer headers, the
     * only identity the query side trusts. A query side that is slow or away is the caller's 504 or 502.
     */
    <T> HttpResponse<T> send(HttpRequest.Builder request, Caller caller, HttpResponse.BodyHandler<T> body) {
        if (properties.internalToken() != null && !properties.internalToken().isBlank()) {
            request.header(ViewsProxyController.INTERNAL_TOKEN, properties.internalToken());
        }
        request.header(ViewsProxyController.VIEWER_ROLE, caller.isAdmin() ? "admin" : "user");
        if (caller.accountId() != null) {
            request.header(ViewsProxyController.VIEWER_ACCOUNT, caller.accountId());
        }
        request.header(ViewsProxyController.VIEWER_KEY, caller.keyId());
        try {
            return http.send(request.build(), body);
        } catch (HttpTimeoutException e) {
            throw new GatewayException(HttpStatus.GATEWAY_TIMEOUT, "server_error", "views_timeout",
                    "The usage and billing views did not answer in time.");
        } catch (IOException e) {
            log.warn("the query side at {} is unreachable: {}", properties.baseUrl(), e.toString());
            throw new GatewayException(HttpStatus.BAD_GATEWAY, "server_error", "views_unavailable",
                    "The usage and billing views are unavailable right now.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayException(HttpStatus.SERVICE_UNAVAILABLE, "server_error", "views_unavailable",
                    "Interrupted while asking the usage and billing views.");
        }
    }
}
