package io.tollgate.gateway.auth;

import jakarta.servlet.http.HttpServletRequest;

import java.util.Optional;

/** Which paths need a caller at all, and which scope each one needs. */
public final class EndpointScopes {
    private EndpointScopes() {
    }

    /**
     * The path the servlet container matched, decoded and normalised ({@code //}, {@code ..}, {@code ;params}
     * and percent-escapes resolved), so that a path spelt differently cannot slip past these checks while
     * still reaching the same handler.
     */
    public static String pathOf(HttpServletRequest request) {
        String servletPath = request.getServletPath();
        String pathInfo = request.getPathInfo();
        String path = (servletPath == null ? "" : servletPath) + (pathInfo == null ? "" : pathInfo);
        return path.isEmpty() ? request.getRequestURI() : path;
    }

    /** The public price list: what each model costs is no secret, and the pricing page shows it signed out. */
    public static final String PUBLIC_PRICING = "/api/pricing";

    /** Stripe's webhook: Stripe has no Tollgate key; its signature over the body is checked instead. */
    public static final String STRIPE_WEBHOOK = "/api/payments/stripe/webhook";

    /** The client API (/v1, AIGNE's /api/v2), Tollgate's own /api (keys, limits, views) and /admin. */
    public static boolean needsCaller(String path) {
        if (path.equals(PUBLIC_PRICING) || path.equals(STRIPE_WEBHOOK)) {
            return false;
        }
        return path.startsWith("/v1/") || path.equals("/v1") || path.startsWith("/api/") || path.startsWith("/admin/")
                || path.equals("/admin");
    }

    public static boolean isAdminPath(String path) {
        return path.startsWith("/admin/") || path.equals("/admin");
    }

    /** The scope a path needs; empty for paths any authenticated caller may use (its own keys, limits, views). */
    public static Optional<Scope> scopeFor(String path) {
        if (isAdminPath(path)) {
            return Optional.of(Scope.ADMIN);
        }
        if (path.startsWith("/v1/chat/") || path.startsWith("/v1/messages") || path.startsWith("/v1/responses")
                || path.startsWith("/api/v2/chat")
                // Audio is the chat scope's: keys issued before audio existed call it as they call chat.
                || path.startsWith("/v1/audio/") || path.startsWith("/api/v2/audio/")
                || path.equals("/v1/models") || path.startsWith("/v1/models/") || path.startsWith("/v1/completions")) {
            return Optional.of(Scope.CHAT);
        }
        if (path.startsWith("/v1/embeddings") || path.startsWith("/api/v2/embeddings")) {
            return Optional.of(Scope.EMBEDDINGS);
        }
        if (path.startsWith("/v1/images/") || path.startsWith("/api/v2/image")) {
            return Optional.of(Scope.IMAGES);
        }
        return Optional.empty();
    }
}
