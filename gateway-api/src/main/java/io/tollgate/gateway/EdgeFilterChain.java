package io.tollgate.gateway;

import io.tollgate.gateway.auth.ApiKeyFilter;
import io.tollgate.gateway.edge.BodyLimitFilter;
import io.tollgate.gateway.edge.DirectRoutes;
import io.tollgate.gateway.errors.OutageFilter;
import io.tollgate.gateway.idempotency.IdempotencyFilter;
import io.tollgate.gateway.limits.LimitsFilter;
import io.tollgate.gateway.telemetry.RequestTracingFilter;
import jakarta.servlet.Filter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.filter.OrderedFormContentFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.servlet.HandlerExceptionResolver;

import java.util.List;

/**
 * The edge's servlet filters, outermost first, in the one place that orders them. Each step needs what the one
 * before it established: outages are answered in the caller's shape whatever fails below; a body is bounded before
 * anything reads it; the trace spans what follows; the API key names the caller; idempotency keys are scoped to the
 * caller's account; limits count only requests that are not replays; the chat endpoints are then served directly,
 * past Spring MVC's dispatcher, with everything before them applied.
 */
@Configuration(proxyBeanMethods = false)
class EdgeFilterChain {
    static final int OUTAGES = Ordered.HIGHEST_PRECEDENCE + 100;
    /** Before Spring's FormContentFilter, which reads a PUT/PATCH/DELETE form body whole. */
    static final int BODY_LIMIT = OrderedFormContentFilter.DEFAULT_ORDER - 1;
    /** Inside Spring's own request observation. */
    static final int TRACING = Ordered.LOWEST_PRECEDENCE - 101;
    static final int API_KEY = TRACING + 1;
    static final int IDEMPOTENCY = API_KEY + 1;
    static final int LIMITS = IDEMPOTENCY + 1;
    static final int DIRECT_ROUTES = LIMITS + 1;

    @Bean
    FilterRegistrationBean<OutageFilter> outageFilterRegistration(OutageFilter filter) {
        return at(OUTAGES, filter);
    }

    @Bean
    FilterRegistrationBean<BodyLimitFilter> bodyLimitFilterRegistration(BodyLimitFilter filter) {
        return at(BODY_LIMIT, filter);
    }

    @Bean
    FilterRegistrationBean<RequestTracingFilter> requestTracingFilterRegistration(RequestTracingFilter filter) {
        return at(TRACING, filter);
    }

    @Bean
    FilterRegistrationBean<ApiKeyFilter> apiKeyFilterRegistration(ApiKeyFilter filter) {
        return at(API_KEY, filter);
    }

    @Bean
    FilterRegistrationBean<IdempotencyFilter> idempotencyFilterRegistration(IdempotencyFilter filter) {
        return at(IDEMPOTENCY, filter);
    }

    @Bean
    FilterRegistrationBean<LimitsFilter> limitsFilterRegistration(LimitsFilter filter) {
        return at(LIMITS, filter);
    }

    @Bean
    FilterRegistrationBean<DirectRoutes> directRoutesRegistration(List<DirectRoutes.Route> routes,
                                                                  ObjectProvider<HandlerExceptionResolver> resolvers) {
        return at(DIRECT_ROUTES, new DirectRoutes(routes, resolvers));
    }

    private static <F extends Filter> FilterRegistrationBean<F> at(int order, F filter) {
        FilterRegistrationBean<F> registration = new FilterRegistrationBean<>(filter);
        registration.setOrder(order);
        return registration;
    }
}
