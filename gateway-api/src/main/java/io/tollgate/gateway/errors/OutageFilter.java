package io.tollgate.gateway.errors;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;

/**
 * Outermost of Tollgate's filters: a filter that needs the database (an API key's lookup, limits,
 * idempotency) and finds it unavailable would otherwise end in the servlet container's 500. Answers
 * such a failure as {@link Outages} says, in the caller's shape.
 */
@Component
public class OutageFilter extends OncePerRequestFilter {
    private static final Logger log = LoggerFactory.getLogger(OutageFilter.class);
    private final ErrorResponses errors;

    public OutageFilter(ErrorResponses errors) {
        this.errors = errors;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            chain.doFilter(request, response);
        } catch (RuntimeException | ServletException failure) {
            GatewayException outage = Outages.answerFor(failure);
            if (outage == null || response.isCommitted()) {
                throw failure;
            }
            log.warn("{} {} answered 503, the ledger is unavailable: {}", request.getMethod(), request.getRequestURI(),
                    failure.toString());
            response.reset();
            errors.write(request, response, outage);
        }
    }
}
