package io.tollgate.gateway.telemetry;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;

/**
 * The request path's spans: {@value #INGEST} for the whole request (opened by {@link RequestTracingFilter}),
 * and inside it {@value #RESERVE}, {@value #PROVIDER_CALL} and {@value #SETTLE}. They are OpenTelemetry
 * spans through Micrometer Tracing, children of Spring's {@code http.server.requests} span, exported over
 * OTLP when {@code management.otlp.tracing.endpoint} is set.
 * <p>
 * Spans, not Observations: an Observation would also update a timer per step and per request, work the
 * hot path does not need (provider latency and time to first token are metrics already, from the
 * ledger's events). An unsampled request costs a non-recording span per step.
 * <p>
 * Usage, on the request's thread:
 * <pre>{@code
 * try (TracedStep reserve = tracing.reserve(provider, model)) {
 *     outcome = ...;
 *     reserve.outcome("reserved");
 * }
 * }</pre>
 * Tags are low-cardinality only: provider and model once the route is known (never a client's
 * unvalidated model name), outcome and error class.
 */
public class RequestTracing {
    public static final String INGEST = "tollgate.ingest";
    public static final String RESERVE = "tollgate.reserve";
    public static final String PROVIDER_CALL = "tollgate.provider.call";
    public static final String SETTLE = "tollgate.settle";

    static final String PROVIDER = "provider";
    static final String MODEL = "model";
    static final String ENDPOINT = "endpoint";
    static final String OUTCOME = "outcome";

    /** The open ingest step of the request on this thread, so that reserving can name its route. */
    private static final ThreadLocal<TracedStep> INGEST_STEP = new ThreadLocal<>();

    private final Tracer tracer;

    public RequestTracing(Tracer tracer) {
        this.tracer = tracer == null ? Tracer.NOOP : tracer;
    }

    /** The whole request as the gateway handles it; the other steps nest inside it. */
    public TracedStep ingest(String endpoint) {
        TracedStep ingest = start(INGEST, null, null, true).tag(ENDPOINT, endpoint);
        INGEST_STEP.set(ingest);
        return ingest;
    }

    /** Also tags the enclosing {@value #INGEST} step with the route, now that it is known. */
    public TracedStep reserve(String provider, String model) {
        TracedStep ingest = INGEST_STEP.get();
        if (ingest != null) {
            ingest.route(provider, model);
        }
        return start(RESERVE, provider, model, false);
    }

    /** One attempt at a provider: from sending the request until the answer's headers arrived. */
    public TracedStep providerCall(String provider, String model) {
        return start(PROVIDER_CALL, provider, model, false);
    }

    /** Settling the actual cost, or releasing the reservation after a provider failure. */
    public TracedStep settle(String provider, String model) {
        return start(SETTLE, provider, model, false);
    }

    private TracedStep start(String name, String provider, String model, boolean ingest) {
        Span parent = tracer.currentSpan();
        if (parent != null && !Boolean.TRUE.equals(parent.context().sampled())) {
            // A step of an unsampled request would never be exported: skip its span, scope and MDC work.
            return TracedStep.UNSAMPLED;
        }
        Span span = tracer.nextSpan().name(name);
        if (provider != null) {
            span.tag(PROVIDER, provider);
        }
        if (model != null) {
            span.tag(MODEL, model);
        }
        return new TracedStep(span.start(), tracer, ingest);
    }

    /** One step: started and current on creation, ended by {@link #close()}. Not thread-safe. */
    public static final class TracedStep implements AutoCloseable {
        /** Stands in for every step of an unsampled request; it records nothing. */
        private static final TracedStep UNSAMPLED = new TracedStep();

        private final Span span;
        private final Tracer.SpanInScope scope;
        private final boolean ingest;
        private boolean closed;

        private TracedStep(Span span, Tracer tracer, boolean ingest) {
            this.span = span;
            this.scope = tracer.withSpan(span);
            this.ingest = ingest;
        }

        private TracedStep() {
            this.span = null;
            this.scope = null;
            this.ingest = false;
        }

        /** The provider and model the request was routed to (both validated: low cardinality). */
        public TracedStep route(String provider, String model) {
            tag(PROVIDER, provider);
            return tag(MODEL, model);
        }

        /** A low-cardinality key and value, e.g. {@code outcome=rejected}. */
        public TracedStep tag(String key, String value) {
            if (value != null && span != null) {
                span.tag(key, value);
            }
            return this;
        }

        public TracedStep outcome(String outcome) {
            return tag(OUTCOME, outcome);
        }

        /** Marks the step failed; it still ends at {@link #close()}. */
        public TracedStep error(Throwable failure) {
            if (span != null) {
                span.error(failure);
            }
            return this;
        }

        @Override
        public void close() {
            if (closed || span == null) {
                return;
            }
            closed = true;
            if (ingest && INGEST_STEP.get() == this) {
                INGEST_STEP.remove();
            }
            scope.close();
            span.end();
        }
    }
}
