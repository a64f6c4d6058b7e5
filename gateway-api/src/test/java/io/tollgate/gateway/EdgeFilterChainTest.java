package io.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.web.servlet.filter.OrderedFormContentFilter;
import org.springframework.boot.web.servlet.filter.OrderedRequestContextFilter;

class EdgeFilterChainTest {

    @Test
    void theEdgeRunsOutagesBodyLimitTracingApiKeyIdempotencyLimitsAndThenTheDirectRoutesInThatOrder() {
        assertThat(new int[] {EdgeFilterChain.OUTAGES, EdgeFilterChain.BODY_LIMIT, EdgeFilterChain.TRACING,
                EdgeFilterChain.API_KEY, EdgeFilterChain.IDEMPOTENCY, EdgeFilterChain.LIMITS,
                EdgeFilterChain.DIRECT_ROUTES}).isSorted()
                .doesNotHaveDuplicates();
    }

    @Test
    void theBodyIsBoundedBeforeSpringReadsFormsAndTheCallerIsKnownOnlyAfterSpringsRequestContext() {
        assertThat(EdgeFilterChain.BODY_LIMIT).isLessThan(OrderedFormContentFilter.DEFAULT_ORDER);
        assertThat(EdgeFilterChain.TRACING).isGreaterThan(new OrderedRequestContextFilter().getOrder());
    }
}
