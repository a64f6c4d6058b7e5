package io.tollgate.gateway.auth;

import io.tollgate.gateway.errors.ErrorResponses;
import io.tollgate.gateway.errors.GatewayException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.util.Optional;

/** Resolves {@code Authorization: Bearer tg-…} on the API and admin paths; admin paths need an admin key. */
@Component
@Order(ApiKeyFilter.ORDER)
public class ApiKeyFilter extends OncePerRequestFilter {
    /** Late, after Spring's own filters; filters that need the caller order themselves after it. */
    public static final int ORDER = Ordered.LOWEST_PRECEDENCE - 100;
    private static final String BEARER = "Bearer ";

    private final ApiKeys apiKeys;
    private final ErrorResponses errors;

    public ApiKeyFilter(ApiKeys apiKeys, ErrorResponses errors) {
        this.apiKeys = apiKeys;
        this.errors = errors;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI();
        return !(path.startsWith("/v1/") || path.startsWith("/admin/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        Optional<Caller> caller = header != null && header.startsWith(BEARER)
                ? apiKeys.resolve(header.substring(BEARER.length()).trim())
                : Optional.empty();
        if (caller.isEmpty()) {
            reject(request, response, HttpStatus.UNAUTHORIZED, header == null
                    ? "Missing API key: send it as 'Authorization: Bearer tg-…'."
                    : "Invalid API key.", "invalid_api_key");
            return;
        }
        if (request.getRequestURI().startsWith("/admin/") && !caller.get().isAdmin()) {
            reject(request, response, HttpStatus.FORBIDDEN, "This endpoint needs an admin key.", "forbidden");
            return;
        }
        request.setAttribute(Caller.REQUEST_ATTRIBUTE, caller.get());
        chain.doFilter(request, response);
    }

    private void reject(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String message,
                        String code) throws IOException {
        errors.write(request, response, new GatewayException(status, status == HttpStatus.UNAUTHORIZED
                ? "invalid_request_error" : "permission_error", code, message));
    }
}
