package io.tollgate.views.viewer;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;

/**
 * Lets a /api/views call through only with the gateway's internal token and a viewer role (401 otherwise),
 * and hands the {@link Viewer} on as a request attribute. What the viewer may read is decided per handler
 * by {@link ViewerScopeInterceptor}, which sees the account id exactly as the controller will.
 */
final class ViewerFilter extends OncePerRequestFilter {
    private final byte[] internalToken;

    ViewerFilter(String internalToken) {
        if (internalToken == null || internalToken.isBlank()) {
            throw new IllegalStateException("tollgate.views.internal-token (TOLLGATE_INTERNAL_TOKEN) is required: "
                    + "the read API trusts only calls the gateway forwards with it");
        }
        this.internalToken = internalToken.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return !(path.equals("/api/views") || path.startsWith("/api/views/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String token = request.getHeader(ViewerHeaders.INTERNAL_TOKEN);
        // Constant-time, so that the token cannot be guessed byte by byte from response times.
        if (token == null || !MessageDigest.isEqual(internalToken, token.getBytes(StandardCharsets.UTF_8))) {
            reject(response, "missing or wrong " + ViewerHeaders.INTERNAL_TOKEN + ": call the views through the gateway");
            return;
        }
        Viewer.Role role = switch (String.valueOf(request.getHeader(ViewerHeaders.ROLE)).toLowerCase(Locale.ROOT)) {
            case "admin" -> Viewer.Role.ADMIN;
            case "user" -> Viewer.Role.USER;
            default -> null;
        };
        String account = blankToNull(request.getHeader(ViewerHeaders.ACCOUNT));
        if (role == null || (role == Viewer.Role.USER && account == null)) {
            reject(response, ViewerHeaders.ROLE + " must be admin or user, and a user needs " + ViewerHeaders.ACCOUNT);
            return;
        }
        request.setAttribute(Viewer.REQUEST_ATTRIBUTE,
                new Viewer(role, account, blankToNull(request.getHeader(ViewerHeaders.KEY))));
        chain.doFilter(request, response);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static void reject(HttpServletResponse response, String detail) throws IOException {
        response.setStatus(HttpStatus.UNAUTHORIZED.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter().write("{\"type\":\"about:blank\",\"title\":\"Unauthorized\",\"status\":401,\"detail\":\""
                + detail.replace("\"", "'") + "\"}");
    }
}
