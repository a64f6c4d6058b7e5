package io.tollgate.gateway.auth;

import io.tollgate.gateway.errors.ErrorResponses;
import io.tollgate.gateway.errors.GatewayException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.util.Optional;

/**
 * Authenticates every call to the client API ({@code /v1/**}, {@code /api/v2/**}), Tollgate's own
 * {@code /api/**} (keys, limits, views) and {@code /admin/**}, then checks the scope the path needs (see
 * {@link EndpointScopes}); admin paths need an admin. The credential is a Tollgate API key
 * ({@code tg-…}) or an OAuth2 JWT, sent as {@code Authorization: Bearer …} or, as the Anthropic SDK
 * does, {@code x-api-key}. Refusals leave in the caller's API shape.
 */
@Component
public class ApiKeyFilter extends OncePerRequestFilter {
    public static final String API_KEY_HEADER = "x-api-key";
    private static final String BEARER = "bearer ";

    private final ApiKeys apiKeys;
    private final JwtAuthenticator jwt;
    private final ErrorResponses errors;
    private final Apps apps;

    public ApiKeyFilter(ApiKeys apiKeys, JwtAuthenticator jwt, ErrorResponses errors, Apps apps) {
        this.apiKeys = apiKeys;
        this.jwt = jwt;
        this.errors = errors;
        this.apps = apps;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !EndpointScopes.needsCaller(EndpointScopes.pathOf(request));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Optional<String> credential = credential(request);
        if (credential.isEmpty()) {
            reject(request, response, HttpStatus.UNAUTHORIZED, "invalid_request_error", "invalid_api_key",
                    "Missing API key: send it as 'Authorization: Bearer tg-…' or 'x-api-key: tg-…'.");
            return;
        }
        Caller caller;
        String token = credential.get();
        if (token.startsWith(ApiKeys.PREFIX)) {
            Optional<Caller> resolved = apiKeys.resolve(token);
            if (resolved.isEmpty()) {
                reject(request, response, HttpStatus.UNAUTHORIZED, "invalid_request_error", "invalid_api_key",
                        "Invalid API key: it is unknown, revoked or expired.");
                return;
            }
            caller = resolved.get();
            apiKeys.touch(caller.keyId());
        } else if (jwt.enabled() && JwtAuthenticator.looksLikeJwt(token)) {
            try {
                caller = jwt.authenticate(token);
            } catch (JwtAuthenticator.InvalidToken e) {
                reject(request, response, HttpStatus.UNAUTHORIZED, "invalid_request_error", "invalid_token",
                        e.getMessage());
                return;
            }
        } else {
            reject(request, response, HttpStatus.UNAUTHORIZED, "invalid_request_error", "invalid_api_key",
                    "Invalid API key: a Tollgate key starts with 'tg-'.");
            return;
        }

        String path = EndpointScopes.pathOf(request);
        if (EndpointScopes.isAdminPath(path) && !caller.isAdmin()) {
            reject(request, response, HttpStatus.FORBIDDEN, "permission_error", "forbidden",
                    "This endpoint needs an admin.");
            return;
        }
        Optional<Scope> needed = EndpointScopes.scopeFor(path);
        if (needed.isPresent() && !caller.has(needed.get())) {
            reject(request, response, HttpStatus.FORBIDDEN, "permission_error", "insufficient_scope",
                    "This key lacks the '" + needed.get().wireName() + "' scope that " + path + " needs.");
            return;
        }
        try {
            caller = apps.forRequest(caller, request.getHeader(Apps.HEADER));
        } catch (GatewayException refusal) {
            errors.write(request, response, refusal);
            return;
        }
        request.setAttribute(Caller.REQUEST_ATTRIBUTE, caller);
        chain.doFilter(request, response);
    }

    /** {@code Authorization: Bearer …} first, then {@code x-api-key}. */
    static Optional<String> credential(HttpServletRequest request) {
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.length() > BEARER.length()
                && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            String token = authorization.substring(BEARER.length()).trim();
            if (!token.isEmpty()) {
                return Optional.of(token);
            }
        }
        String apiKey = request.getHeader(API_KEY_HEADER);
        if (apiKey != null && !apiKey.isBlank()) {
            return Optional.of(apiKey.trim());
        }
        return Optional.empty();
    }

    private void reject(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String type,
                        String code, String message) throws IOException {
        var error = new GatewayException(status, type, code, message);
        if (status == HttpStatus.UNAUTHORIZED) {
            error.withHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        errors.write(request, response, error);
    }
}
