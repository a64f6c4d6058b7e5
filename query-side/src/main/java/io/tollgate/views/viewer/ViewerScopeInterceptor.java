package io.tollgate.views.viewer;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.server.ResponseStatusException;

import java.util.Map;

/**
 * Scopes every read handler by the viewer: handlers under /api/views/admin need an admin (403), and a
 * handler with an {accountId} path variable answers only for the viewer's own account, or for any when
 * the viewer is an admin. Another account is "not found" (404), exactly as an unknown one, so that ids
 * cannot be probed. Runs after handler mapping, so it checks the very value the controller receives.
 */
final class ViewerScopeInterceptor implements HandlerInterceptor {
    static final String ACCOUNT_VARIABLE = "accountId";

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if (!(handler instanceof HandlerMethod)) {
            return true;
        }
        String pattern = String.valueOf(request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE));
        if (!pattern.startsWith("/api/views")) {
            return true;
        }
        Viewer viewer = (Viewer) request.getAttribute(Viewer.REQUEST_ATTRIBUTE);
        if (viewer == null) {
            // The filter admits no /api/views call without a viewer; fail closed should that ever change.
            throw new ResponseStatusException(HttpStatus.UNAUTHORIZED);
        }
        if (pattern.startsWith("/api/views/admin") && !viewer.isAdmin()) {
            throw new ResponseStatusException(HttpStatus.FORBIDDEN, "admins only");
        }
        @SuppressWarnings("unchecked")
        Map<String, String> variables =
                (Map<String, String>) request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
        String account = variables == null ? null : variables.get(ACCOUNT_VARIABLE);
        if (pattern.startsWith("/api/views/accounts/") && account == null) {
            throw new IllegalStateException("account views must name the account as {" + ACCOUNT_VARIABLE + "}: " + pattern);
        }
        if (account != null && !viewer.mayRead(account)) {
            throw AccountNotFound.of(account);
        }
        return true;
    }
}
