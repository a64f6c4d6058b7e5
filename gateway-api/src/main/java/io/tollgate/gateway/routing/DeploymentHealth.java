package io.tollgate.gateway.routing;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.springframework.stereotype.Component;

import java.util.concurrent.TimeUnit;

/**
 * A circuit breaker per deployment (provider/model): one that keeps failing (5xx, timeouts, 429) is
 * skipped while its breaker is open, so failover goes straight to the next deployment instead of
 * waiting for a timeout on every request. The last deployment in line is always tried.
 */
@Component
public class DeploymentHealth {
    private final CircuitBreakerRegistry breakers;

    public DeploymentHealth(RoutingProperties properties) {
        this.breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(properties.breakerWindow())
                .minimumNumberOfCalls(properties.breakerMinimumCalls())
                .failureRateThreshold(properties.breakerFailureRatePercent())
                .waitDurationInOpenState(properties.breakerOpenFor())
                .permittedNumberOfCallsInHalfOpenState(1)
                .build());
    }

    /** Whether a call may go to the deployment now; a permitted call must be reported back. */
    public boolean tryAcquire(Deployment deployment) {
        return breaker(deployment).tryAcquirePermission();
    }

    public void succeeded(Deployment deployment, long nanos) {
        breaker(deployment).onSuccess(nanos, TimeUnit.NANOSECONDS);
    }

    public void failed(Deployment deployment, long nanos, Throwable why) {
        breaker(deployment).onError(nanos, TimeUnit.NANOSECONDS, why);
    }

    /** The call ended in a way that says nothing about the deployment's health (a client error). */
    public void neutral(Deployment deployment) {
        breaker(deployment).releasePermission();
    }

    public CircuitBreaker.State state(Deployment deployment) {
        return breaker(deployment).getState();
    }

    private CircuitBreaker breaker(Deployment deployment) {
        return breakers.circuitBreaker(deployment.qualifiedName());
    }

    /** Timeouts, transport errors and retryable statuses, as the breaker records them. */
    public static final class UpstreamFailure extends RuntimeException {
        public UpstreamFailure(String errorClass) {
            super(errorClass, null, false, false);
        }
    }
}
