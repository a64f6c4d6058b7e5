package io.tollgate.gateway.upstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.events.RefusalReason;
import io.tollgate.events.support.EventIds;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.idempotency.IdempotentOutcome;
import io.tollgate.gateway.metering.CreditMeter;
import io.tollgate.gateway.metering.MeteredRequest;
import io.tollgate.gateway.metering.Metering;
import io.tollgate.gateway.metering.RequestFacts;
import io.tollgate.gateway.providers.ProviderAdapter;
import io.tollgate.gateway.providers.ProviderUsage;
import io.tollgate.gateway.routing.Deployment;
import io.tollgate.gateway.routing.ModelRouter;
import io.tollgate.gateway.telemetry.RequestTracing;
import io.tollgate.gateway.usage.SettledUsage;
import io.tollgate.ledger.api.ModelRate;
import io.tollgate.ledger.api.ProviderAttempt;
import io.tollgate.ledger.api.SettlementOutcome;
import io.tollgate.ledger.api.TokenUsage;
import io.tollgate.ledger.api.CreditLeases.LedgerUnavailable;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import java.io.IOException;
import io.tollgate.gateway.providers.UpstreamIdleTimeout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * One request held by the ledger on its way through the providers. Nothing goes upstream unreserved;
 * the reservation covers the dearest deployment that may answer, and the settlement charges the rate of
 * the one that did. Every attempt becomes a ProviderCalled event.
 *
 * <p>Failover is the {@link FailoverDispatcher}'s, billing the {@link MeteredRequest}'s; this class ties
 * them to the HTTP exchange. Not enough credit is decided before any of this and never fails over.
 */
public final class ReservedCall implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReservedCall.class);
    public static final String HEADER_REQUEST_ID = "x-request-id";

    private final Factory factory;
    private final List<Deployment> deployments;
    private final Pricing pricing;
    private final long inputEstimate;
    private final HttpServletRequest httpRequest;
    private final MeteredRequest metered;
    private final List<ProviderAttempt> attempts = new ArrayList<>();
    private FailoverDispatcher.Answered answered;

    private ReservedCall(Factory factory, List<Deployment> deployments, Pricing pricing, long inputEstimate,
                         HttpServletRequest httpRequest, MeteredRequest metered) {
        this.factory = factory;
        this.deployments = deployments;
        this.pricing = pricing;
        this.inputEstimate = inputEstimate;
        this.httpRequest = httpRequest;
        this.metered = metered;
    }

    public String requestId() {
        return metered.requestId();
    }

    public int grantedMaxTokens() {
        return metered.grantedMaxTokens();
    }

    public boolean clamped() {
        return metered.clamped();
    }

    /**
     * Calls the deployments in failover order until one answers 200 or a client error. When all fail,
     * the hold is released and the last failure is thrown in the client's terms.
     */
    public UpstreamAnswer send(FailoverDispatcher.RequestBuilder requests) {
        try {
            answered = factory.dispatcher.dispatch(deployments, requests, attempts);
        } catch (GatewayException failed) {
            release();
            throw failed;
        }
        return new UpstreamAnswer(answered.deployment(), answered.status(), answered.body(), answered.headers());
    }

    /** Debits what the answered request used and releases the rest of the reservation. */
    public SettlementOutcome settle(TokenUsage usage) {
        return settle(usage, null);
    }

    /** @param interruption why a stream ended early ("client_disconnected", "stream_broken"), or null */
    public SettlementOutcome settle(TokenUsage usage, String interruption) {
        attempts.add(answered.toAttempt(attempts.size() + 1, interruption));
        Deployment answering = answered.deployment();
        SettlementOutcome outcome;
        try (var span = factory.tracing.settle(answering.provider().name(), answering.model())) {
            outcome = metered.settle(answering.provider().name(), answering.model(), usage, List.copyOf(attempts),
                    pricing.rate(answering.prices()));
            span.outcome(interruption == null ? "settled" : interruption);
        } catch (MeteredRequest.EventsNotDurable notRecorded) {
            // Not charged, so not answered: a 2xx is never unbilled (I2).
            throw unavailable("The gateway could not record this request; it was not charged. Retry shortly.");
        }
        httpRequest.setAttribute(SettledUsage.REQUEST_ATTRIBUTE,
                new SettledUsage(usage.inputTokens(), usage.outputTokens(), outcome.debitedMicros()));
        return outcome;
    }

    /** The account's available credit after this call, as this instance sees it; see docs/gateway.md. */
    public OptionalLong balanceAfter() {
        return metered.balanceAfter();
    }

    /** The provider refused the request as the client's mistake: nothing is charged. */
    public void releaseAfterClientError() {
        attempts.add(answered.toAttempt(attempts.size() + 1, "upstream_4xx"));
        release();
    }

    /**
     * The provider refused the request as the client's mistake: nothing is charged, and the client is told
     * in the provider's own words, in the shape of the client's API.
     */
    public GatewayException releaseAfterClientError(byte[] providerBody) {
        releaseAfterClientError();
        HttpStatus status = HttpStatus.resolve(answered.status());
        String message = factory.errorMessage(answered.deployment(), providerBody)
                .orElse("The provider refused the request (HTTP " + answered.status() + ").");
        return new GatewayException(status != null ? status : HttpStatus.BAD_REQUEST, "invalid_request_error",
                "provider_rejected_request", message);
    }

    /**
     * The provider said 200 but its answer cannot be read, or broke off before it was whole: nothing is
     * charged, and the client hears that the provider failed (502).
     */
    public GatewayException releaseAfterUnreadableAnswer(Exception why) {
        log.warn("unreadable answer from {} for request {}: {}", answered.deployment().qualifiedName(), requestId(),
                why.toString());
        attempts.add(answered.toAttempt(attempts.size() + 1, "unreadable_answer"));
        release();
        return new GatewayException(HttpStatus.BAD_GATEWAY, "upstream_error", "provider_error",
                "The provider's answer could not be read.");
    }

    /** The provider went quiet before its JSON answer was complete: nothing was delivered, nothing is charged. */
    public GatewayException releaseAfterSilentProvider(UpstreamIdleTimeout silent) {
        log.warn("{} went silent answering request {}", answered.deployment().qualifiedName(), requestId());
        attempts.add(answered.toAttempt(attempts.size() + 1, "upstream_idle_timeout"));
        release();
        return new GatewayException(HttpStatus.GATEWAY_TIMEOUT, "upstream_error", "provider_timeout",
                silent.getMessage() + " Nothing was charged.");
    }

    /**
     * Every reservation ends in a settlement or a release: a path that neither settled nor released (an
     * exception nobody expected) releases the hold here, at once, instead of leaving it to the sweep.
     */
    @Override
    public void close() {
        if (metered.ended()) {
            return;
        }
        log.warn("request {} ended without a settlement; its hold is released", requestId());
        if (answered != null) {
            attempts.add(answered.toAttempt(attempts.size() + 1, "gateway_error"));
        }
        release();
    }

    private void release() {
        Deployment last = answered != null ? answered.deployment() : deployments.getLast();
        try (var span = factory.tracing.settle(last.provider().name(), last.model()).outcome("released")) {
            metered.release(List.copyOf(attempts));
        }
    }

    /** The ledger or the log did not answer in time: the client may retry, nothing was charged (I7). */
    private static GatewayException unavailable(String message) {
        return new GatewayException(HttpStatus.SERVICE_UNAVAILABLE, "server_error", "ledger_unavailable", message)
                .withHeader("Retry-After", "1");
    }

    /** Usage counted by the gateway, for answers that came without the provider's count. */
    public TokenUsage estimated(long outputTokens) {
        return new TokenUsage(inputEstimate, outputTokens, 0, 0, true);
    }

    public static TokenUsage reported(ProviderUsage usage) {
        return new TokenUsage(usage.inputTokens(), usage.outputTokens(), usage.cachedInputTokens(),
                usage.reasoningTokens(), false, usage.cacheWriteTokens());
    }

    /** Reserves requests; everything a ReservedCall needs from the application lives here. */
    @Component
    public static class Factory {
        private final CreditMeter meter;
        private final ModelRouter router;
        private final FailoverDispatcher dispatcher;
        private final RequestTracing tracing;
        private final Rejections rejections;
        private final ObjectMapper json;

        Factory(CreditMeter meter, ModelRouter router, FailoverDispatcher dispatcher, RequestTracing tracing,
                Rejections rejections, ObjectMapper json) {
            this.meter = meter;
            this.router = router;
            this.dispatcher = dispatcher;
            this.tracing = tracing;
            this.rejections = rejections;
            this.json = json;
        }

        /** Records a refusal of the client's input (before any reservation) in the ledger's log. */
        public <T> T rejectingBadInput(Caller caller, String model, HttpServletResponse response,
                                       Supplier<T> step) {
            return rejections.recorded(caller, model, response, step);
        }

        /** The message in a provider's error body, if the body is JSON its adapter can read. */
        Optional<String> errorMessage(Deployment deployment, byte[] body) {
            try {
                return adapter(deployment).errorMessage(json.readTree(body));
            } catch (IOException notJson) {
                return Optional.empty();
            }
        }

        public ProviderAdapter adapter(Deployment deployment) {
            return dispatcher.adapter(deployment);
        }

        /**
         * A chat request: worst case = input estimate plus the output limit, at the dearest deployment's rate.
         *
         * @param inputEstimate the input tokens of the request as the dearest of its candidate deployments counts
         *                      them (providers count images differently)
         */
        public ReservedCall reserve(Caller caller, String model, String apiFormat, boolean stream,
                                    ToLongFunction<List<Deployment>> inputEstimate, Integer maxTokens,
                                    int defaultMaxTokens, int minOutputTokens,
                                    HttpServletRequest httpRequest, HttpServletResponse response) {
            return reserve(caller, model, Pricing.CHAT, deployment -> true, null, apiFormat, stream, inputEstimate,
                    maxTokens, defaultMaxTokens, minOutputTokens, httpRequest, response);
        }

        /**
         * Resolves the model, reserves the worst case and marks the request final for idempotency.
         * Refusals (unknown model, not enough credit, closed account) throw before anything is sent.
         */
        public ReservedCall reserve(Caller caller, String model, Pricing pricing, String apiFormat, boolean stream,
                                    long inputEstimate, Integer maxTokens, int defaultMaxTokens, int minOutputTokens,
                                    HttpServletRequest httpRequest, HttpServletResponse response) {
            return reserve(caller, model, pricing, deployment -> true, null, apiFormat, stream, inputEstimate,
                    maxTokens, defaultMaxTokens, minOutputTokens, httpRequest, response);
        }

        public ReservedCall reserve(Caller caller, String model, Pricing pricing, Predicate<Deployment> usable,
                                    String unusable, String apiFormat, boolean stream, long inputEstimate,
                                    Integer maxTokens, int defaultMaxTokens, int minOutputTokens,
                                    HttpServletRequest httpRequest, HttpServletResponse response) {
            return reserve(caller, model, pricing, usable, unusable, apiFormat, stream, candidates -> inputEstimate,
                    maxTokens, defaultMaxTokens, minOutputTokens, httpRequest, response);
        }

        /**
         * @param usable   keeps the deployments that can serve this kind of request (a provider family
         *                 without an embeddings API cannot serve embeddings)
         * @param unusable why a model with no usable deployment is refused, for the client
         */
        public ReservedCall reserve(Caller caller, String model, Pricing pricing, Predicate<Deployment> usable,
                                    String unusable, String apiFormat, boolean stream,
                                    ToLongFunction<List<Deployment>> estimate, Integer maxTokens,
                                    int defaultMaxTokens, int minOutputTokens,
                                    HttpServletRequest httpRequest, HttpServletResponse response) {
            if (caller.accountId() == null) {
                throw new GatewayException(HttpStatus.FORBIDDEN, "invalid_request_error", "no_account",
                        "This key belongs to no account; calling models needs an account's key.");
            }
            List<Deployment> deployments = rejections.recorded(caller, model, response, () -> {
                List<Deployment> usableDeployments = router.resolve(model).stream().filter(usable).toList();
                if (usableDeployments.isEmpty()) {
                    throw GatewayException.badRequest("The model '" + model + "' cannot serve this request: "
                            + unusable);
                }
                List<Deployment> priced = usableDeployments.stream().filter(d -> pricing.priced(d.prices())).toList();
                if (priced.isEmpty()) {
                    throw new GatewayException(HttpStatus.BAD_REQUEST, "invalid_request_error", "model_not_priced",
                            "The model '" + model + "' has no " + pricing.priceName()
                                    + " for this kind of request; it cannot be called until the operator sets one.");
                }
                return priced;
            });
            long inputEstimate = estimate.applyAsLong(deployments);
            ModelRate rate = pricing.rate(deployments.getFirst().prices());
            for (Deployment deployment : deployments) {
                rate = rate.ceiling(pricing.rate(deployment.prices()));
            }
            Deployment primary = deployments.getFirst();
            String requestId = "req_" + EventIds.next();
            // Before anything is held: a retry with the same Idempotency-Key must know it may have been billed.
            IdempotentOutcome.beforeCharging(httpRequest);
            Metering outcome;
            try (var span = tracing.reserve(primary.provider().name(), primary.model())) {
                outcome = meter.reserve(new RequestFacts(caller.accountId(), requestId, caller.keyId(),
                        primary.provider().name(), primary.model(), apiFormat, stream, inputEstimate, maxTokens,
                        defaultMaxTokens, minOutputTokens, rate, caller.appId()));
                span.outcome(outcome instanceof Metering.Refused refused ? refused.reason().code() : "reserved");
            } catch (LedgerUnavailable noLease) {
                log.warn("no credit lease for account {}: {}", caller.accountId(), noLease.getMessage());
                throw unavailable("The gateway could not reach its ledger in time; nothing was charged. Retry shortly.");
            }
            if (outcome instanceof Metering.Refused refused) {
                GatewayException refusal = refused(refused);
                rejections.record(caller, primary.model(), refused.reason().code(), refusal, response);
                throw refusal;
            }
            // The ledger now holds this request: whatever the client is answered from here on (the answer,
            // a provider error, a stream cut short) is final, and a retry with its Idempotency-Key gets it
            // again instead of being reserved, sent upstream and charged a second time.
            IdempotentOutcome.markFinal(httpRequest);
            response.setHeader(HEADER_REQUEST_ID, requestId);
            return new ReservedCall(this, deployments, pricing, inputEstimate, httpRequest,
                    ((Metering.Held) outcome).request());
        }

        private static GatewayException refused(Metering.Refused rejected) {
            RefusalReason reason = rejected.reason();
            // A closed account is not a matter of credit: the client's error type says topping up would not help.
            String type = reason == RefusalReason.ACCOUNT_CLOSED ? "invalid_request_error" : "insufficient_quota";
            return new GatewayException(HttpStatus.valueOf(reason.httpStatus()), type, reason.code(), rejected.message());
        }
    }
}
