package io.tollgate.gateway.viewsproxy;

import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.auth.EndpointScopes;
import io.tollgate.gateway.errors.GatewayException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code /api/views/**}: the query side's read API, behind the gateway's authentication. The caller is
 * resolved here; the query side learns who it is from headers it trusts only with the internal token:
 * {@code X-Tollgate-Viewer-Role}, {@code X-Tollgate-Viewer-Account} (absent for an admin without an
 * account) and {@code X-Tollgate-Viewer-Key}. Headers of those names from the client are never forwarded.
 * The query side decides what a viewer may read (a user only their own account, 404 otherwise).
 * Responses stream through unbuffered, so large CSV exports cost no memory here.
 */
@RestController
class ViewsProxyController {
    static final String INTERNAL_TOKEN = "X-Tollgate-Internal-Token";
    static final String VIEWER_ROLE = "X-Tollgate-Viewer-Role";
    static final String VIEWER_ACCOUNT = "X-Tollgate-Viewer-Account";
    static final String VIEWER_KEY = "X-Tollgate-Viewer-Key";
    /** Request headers passed on to the query side; everything else (credentials above all) stays here. */
    private static final List<String> FORWARDED_REQUEST_HEADERS = List.of("accept", "accept-language",
            "if-none-match", "if-modified-since", "x-request-id", "traceparent", "tracestate");
    /** Response headers not copied back: hop-by-hop ones and those the container sets itself. */
    private static final Set<String> DROPPED_RESPONSE_HEADERS = Set.of("connection", "keep-alive",
            "transfer-encoding", "te", "trailer", "upgrade", "proxy-authenticate", "content-length", ":status");

    private final ViewsProperties properties;
    private final ViewsClient views;

    ViewsProxyController(ViewsProperties properties, ViewsClient views) {
        this.properties = properties;
        this.views = views;
    }

    @RequestMapping(path = "/api/views/**", method = {RequestMethod.GET, RequestMethod.HEAD})
    void forward(HttpServletRequest request, HttpServletResponse response,
                 @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller) throws IOException {
        URI target = target(request);
        HttpRequest.Builder upstream = HttpRequest.newBuilder(target)
                .timeout(properties.responseTimeout())
                .method(request.getMethod(), HttpRequest.BodyPublishers.noBody());
        for (String name : FORWARDED_REQUEST_HEADERS) {
            String value = request.getHeader(name);
            if (value != null) {
                upstream.header(name, value);
            }
        }
        HttpResponse<InputStream> answer = views.send(upstream, caller, HttpResponse.BodyHandlers.ofInputStream());
        response.setStatus(answer.statusCode());
        answer.headers().map().forEach((name, values) -> {
            if (!DROPPED_RESPONSE_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(value -> response.addHeader(name, value));
            }
        });
        try (InputStream body = answer.body()) {
            OutputStream out = response.getOutputStream();
            byte[] buffer = new byte[16 * 1024];
            int read;
            while ((read = body.read(buffer)) != -1) {
                out.write(buffer, 0, read);
                if (body.available() == 0) {
                    out.flush();   // relay what arrived instead of holding it until the buffer fills
                }
            }
        }
    }

    private URI target(HttpServletRequest request) {
        // The path as the container normalised and decoded it (what authentication and routing saw),
        // encoded again, so the query side cannot be made to see a different path than the gateway did.
        String path = EndpointScopes.pathOf(request);
        if (!path.startsWith("/api/views/") && !path.equals("/api/views")) {
            throw GatewayException.notFound("unknown_url", "Unknown path.");
        }
        URI base = properties.baseUrl();
        String basePath = base.getPath() == null ? "" : base.getPath().replaceAll("/+$", "");
        try {
            String encodedPath = new URI(null, null, basePath + path, null).getRawPath();
            String query = request.getQueryString();
            String authority = base.getRawAuthority();
            return URI.create(base.getScheme() + "://" + authority + encodedPath + (query == null ? "" : "?" + query));
        } catch (URISyntaxException e) {
            throw GatewayException.badRequest("The path cannot be forwarded.");
        }
    }
}
