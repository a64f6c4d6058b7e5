package io.tollgate.gateway.limits;

import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.auth.EndpointScopes;
import io.tollgate.gateway.errors.ErrorResponses;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.upstream.Rejections;
import io.tollgate.gateway.usage.SettledUsage;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.util.Set;

/**
 * Limits on the metered endpoints ({@code tollgate.limits.paths}), after authentication and after the
 * idempotency filter (a replayed answer costs nothing, and a refusal here is not an outcome to replay).
 * Before the request runs it is admitted or refused (429, or 402 for a spent budget, with Retry-After, in
 * the caller's API shape, and a RequestRejected event in the ledger); after it ran, synchronously,
 * streaming included, what it used ({@link SettledUsage}, left on the request by the pipeline) is charged.
 */
@Component
public class LimitsFilter extends OncePerRequestFilter {
    private static final Logger log = LoggerFactory.getLogger(LimitsFilter.class);

    private final LimitEnforcer enforcer;
    private final LimitProperties properties;
    private final ErrorResponses errors;
    private final Rejections rejections;
    private final Set<String> paths;

    LimitsFilter(LimitEnforcer enforcer, LimitProperties properties, ErrorResponses errors, Rejections rejections) {
        this.enforcer = enforcer;
        this.properties = properties;
        this.errors = errors;
        this.rejections = rejections;
        this.paths = Set.copyOf(properties.paths());
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !properties.enabled() || !"POST".equals(request.getMethod())
                || !paths.contains(EndpointScopes.pathOf(request));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!(request.getAttribute(Caller.REQUEST_ATTRIBUTE) instanceof Caller caller)) {
            chain.doFilter(request, response);
            return;
        }
        LimitEnforcer.Admission admission;
        try {
            admission = enforcer.admit(caller);
        } catch (LimitEnforcer.LimitRefusal refusal) {
            refuse(request, response, caller, refusal.exceeded());
            return;
        } catch (RuntimeException e) {
            log.error("could not check the limits of {}", caller.keyId(), e);
            errors.write(request, response, new GatewayException(HttpStatus.SERVICE_UNAVAILABLE, "server_error",
                    "limits_unavailable", "Limits cannot be checked right now; retry the request later.")
                    .withHeader("Retry-After", "1"));
            return;
        }
        if (!admission.limited()) {
            chain.doFilter(request, response);
            return;
        }
        try {
            chain.doFilter(request, response);
        } finally {
            try {
                admission.finish(request.getAttribute(SettledUsage.REQUEST_ATTRIBUTE) instanceof SettledUsage usage
                        ? usage : null);
            } catch (RuntimeException e) {
                // The client has its answer; a request left uncharged only loosens its limits a little.
                log.warn("could not charge the usage of a request to the limits of {}: {}", caller.keyId(),
                        e.toString());
            }
        }
    }

    private void refuse(HttpServletRequest request, HttpServletResponse response, Caller caller,
                        LimitExceeded exceeded) throws IOException {
        GatewayException refusal = exceeded.toException();
        rejections.record(caller, null, exceeded.reason().code(), refusal, response);
        errors.write(request, response, refusal);
    }
}
