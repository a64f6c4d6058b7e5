package io.tollgate.gateway.edge;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.ServerHttpObservationFilter;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The endpoints that carry nearly all of a gateway's traffic (the chat APIs), served from the end of the filter
 * chain instead of through Spring MVC's dispatcher: its handler lookup, interceptors, handler adapter, argument and
 * return-value handling and the request attributes it sets and removes cost about a twentieth of the gateway's CPU
 * per chat request, and were the last frames the JIT compiled after a start (docs/ledger.md).
 * <p>
 * Only the request a route was written for takes this way: POST, a JSON body, exactly the route's path. Anything
 * else on those paths (another method or content type, OPTIONS, a trailing slash) goes on to the dispatcher, whose
 * mappings of the same handlers answer it as before. What the dispatcher would do around a handler is done here
 * too: the query string held to the edge's rule ({@link EdgeInputInterceptor}), the route named in the request's
 * observation (the {@code uri} of {@code http.server.requests}), and a failure answered by the dispatcher's own
 * exception resolvers, i.e. in the caller's API shape ({@link ApiErrorHandler}).
 */
public final class DirectRoutes extends HttpFilter {
    private static final String JSON = "application/json";

    /** A handler of one path, the same one its Spring MVC mapping calls. */
    @FunctionalInterface
    public interface Handler {
        void handle(HttpServletRequest request, HttpServletResponse response) throws IOException;
    }

    public record Route(String path, Handler handler) {
    }

    private final Map<String, Handler> handlers;
    private final ObjectProvider<HandlerExceptionResolver> resolverBeans;
    private final EdgeInputInterceptor edgeInput = new EdgeInputInterceptor();
    /** Looked up at the first failure: the resolvers are Spring MVC's beans, made after the filters. */
    private volatile List<HandlerExceptionResolver> resolvers;

    public DirectRoutes(List<Route> routes, ObjectProvider<HandlerExceptionResolver> resolverBeans) {
        this.handlers = routes.stream().collect(Collectors.toUnmodifiableMap(Route::path, Route::handler));
        this.resolverBeans = resolverBeans;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        Handler handler = "POST".equals(request.getMethod()) && isJson(request.getContentType())
                && request.getContextPath().isEmpty() ? handlers.get(request.getRequestURI()) : null;
        if (handler == null) {
            chain.doFilter(request, response);
            return;
        }
        String path = request.getRequestURI();
        ServerHttpObservationFilter.findObservationContext(request).ifPresent(context -> context.setPathPattern(path));
        try {
            edgeInput.preHandle(request, response, handler);
            handler.handle(request, response);
        } catch (Exception failure) {
            answer(request, response, failure);
        }
    }

    /** {@code application/json}, with or without parameters; other spellings take the dispatcher's way. */
    static boolean isJson(String contentType) {
        if (contentType == null || !contentType.regionMatches(true, 0, JSON, 0, JSON.length())) {
            return false;
        }
        return contentType.length() == JSON.length() || contentType.charAt(JSON.length()) == ';';
    }

    /** As DispatcherServlet#processHandlerException: the first resolver that answers the failure wins. */
    private void answer(HttpServletRequest request, HttpServletResponse response, Exception failure)
            throws IOException, ServletException {
        try {
            response.setHeader(HttpHeaders.CONTENT_TYPE, null);
            response.setHeader(HttpHeaders.CONTENT_DISPOSITION, null);
            response.resetBuffer();
        } catch (IllegalStateException committed) {
            // a stream already under way: the resolvers see it and leave the response as it is
        }
        for (HandlerExceptionResolver resolver : resolvers()) {
            // No handler named: Spring MVC's resolvers consult the controller advice for a handler they do not know.
            ModelAndView answered = resolver.resolveException(request, response, null, failure);
            if (answered != null) {
                request.setAttribute(DispatcherServlet.EXCEPTION_ATTRIBUTE, failure);
                return;
            }
        }
        switch (failure) {
            case IOException io -> throw io;
            case RuntimeException runtime -> throw runtime;
            default -> throw new ServletException(failure);
        }
    }

    private List<HandlerExceptionResolver> resolvers() {
        List<HandlerExceptionResolver> known = resolvers;
        if (known == null) {
            known = resolverBeans.orderedStream().toList();
            resolvers = known;
        }
        return known;
    }
}
