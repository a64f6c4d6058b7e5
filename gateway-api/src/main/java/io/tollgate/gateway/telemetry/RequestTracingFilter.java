package io.tollgate.gateway.telemetry;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.util.Set;

/**
 * Opens the {@value RequestTracing#INGEST} step around everything the gateway does for a model call
 * (authentication, idempotency, limits, reserve, provider, settle), inside Spring's
 * {@code http.server.requests} observation and before the API key filter. The route's provider and
 * model are added to it when the request is reserved.
 */
public class RequestTracingFilter extends OncePerRequestFilter {
    private final RequestTracing tracing;
    private final Set<String> paths;

    public RequestTracingFilter(RequestTracing tracing, Set<String> paths) {
        this.tracing = tracing;
        this.paths = Set.copyOf(paths);
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !"POST".equals(request.getMethod()) || !paths.contains(request.getRequestURI());
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        // The path is one of the configured ones: a low-cardinality tag.
        try (var ingest = tracing.ingest(request.getRequestURI())) {
            try {
                chain.doFilter(request, response);
            } catch (IOException | ServletException | RuntimeException e) {
                ingest.error(e);
                throw e;
            }
            ingest.tag("http.status_code", Integer.toString(response.getStatus()));
        }
    }
}
