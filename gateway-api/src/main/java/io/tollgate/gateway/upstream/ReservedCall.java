package io.tollgate.gateway.upstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.events.EventIds;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.credentials.CredentialPool;
import io.tollgate.gateway.credentials.CredentialPool.CallOutcome;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.idempotency.IdempotentOutcome;
import io.tollgate.gateway.metering.CreditMeter;
import io.tollgate.gateway.metering.MeteredRequest;
import io.tollgate.gateway.metering.Metering;
import io.tollgate.gateway.metering.RequestFacts;
import io.tollgate.gateway.providers.Provider;
import io.tollgate.gateway.providers.ProviderAdapter;
import io.tollgate.gateway.providers.ProviderUsage;
import io.tollgate.gateway.providers.UpstreamCall;
import io.tollgate.gateway.providers.UpstreamHttp;
import io.tollgate.gateway.providers.WireFormat;
import io.tollgate.gateway.routing.Deployment;
import io.tollgate.gateway.routing.DeploymentHealth;
import io.tollgate.gateway.routing.ModelRouter;
import io.tollgate.gateway.telemetry.RequestTracing;
import io.tollgate.gateway.usage.SettledUsage;
import io.tollgate.ledger.credits.ModelRate;
import io.tollgate.ledger.credits.ProviderAttempt;
import io.tollgate.ledger.credits.ReservationOutcome;
import io.tollgate.ledger.credits.SettlementOutcome;
import io.tollgate.ledger.credits.TokenUsage;
import io.tollgate.ledger.leases.CreditLeases.LedgerUnavailable;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One request held by the ledger on its way through the providers. Nothing goes upstream unreserved;
 * the reservation covers the dearest deployment that may answer, and the settlement charges the rate of
 * the one that did. Every attempt becomes a ProviderCalled event.
 *
 * <p>Failover: deployments are tried in order. Within a deployment, a 429 or a rejected key moves on to
 * the provider's next credential; a 5xx, a timeout or an unreachable provider moves on to the next
 * deployment. A client error (another 4xx) ends the request: no other deployment would answer it
 * differently. Not enough credit is decided before any of this and never fails over.
 */
public final class ReservedCall {
    private static final Logger log = LoggerFactory.getLogger(ReservedCall.class);
    public static final String HEADER_REQUEST_ID = "x-request-id";

    private final Factory factory;
    private final List<Deployment> deployments;
    private final Pricing pricing;
    private final long inputEstimate;
    private final HttpServletRequest httpRequest;
    private final MeteredRequest metered;
    private final List<ProviderAttempt> attempts = new ArrayList<>();
    private Deployment answering;
    private Provider.Credential answeringCredential;
    private long answerStartNanos;
    private Long answerTtfbMillis;
    private int answerStatus;

    private ReservedCall(Factory factory, List<Deployment> deployments, Pricing pricing, long inputEstimate,
                         HttpServletRequest httpRequest, MeteredRequest metered) {
        this.factory = factory;
        this.deployments = deployments;
        this.pricing = pricing;
        this.inputEstimate = inputEstimate;
        this.httpRequest = httpRequest;
        this.metered = metered;
    }

    /** Builds one provider's HTTP request for a deployment, given the credential's secret. */
    @FunctionalInterface
    public interface RequestBuilder {
        HttpRequest.Builder build(Deployment deployment, ProviderAdapter adapter, String secret);
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
     * the reservation is released and the last failure is thrown in the client's terms.
     */
    public UpstreamAnswer send(RequestBuilder requests) {
        Failure lastFailure = Failure.NO_CREDENTIAL;
        for (int index = 0; index < deployments.size(); index++) {
            Deployment deployment = deployments.get(index);
            boolean lastInLine = index == deployments.size() - 1;
            if (!factory.health.tryAcquire(deployment) && !lastInLine) {
                attempts.add(attempt(deployment, null, 0, System.nanoTime(), null, "circuit_open"));
                continue;
            }
            ProviderAdapter adapter = factory.adapter(deployment);
            Set<String> triedCredentials = new HashSet<>();
            while (true) {
                Optional<Provider.Credential> next = factory.credentials.next(deployment.provider());
                if (next.isEmpty() || !triedCredentials.add(next.get().id())) {
                    if (triedCredentials.isEmpty()) {
                        attempts.add(attempt(deployment, null, 0, System.nanoTime(), null, "no_credential"));
                        lastFailure = Failure.NO_CREDENTIAL;
                    }
                    break;
                }
                Provider.Credential credential = next.get();
                long start = System.nanoTime();
                HttpResponse<InputStream> response;
                HttpRequest.Builder request;
                try {
                    request = requests.build(deployment, adapter, credential.secret());
                } catch (GatewayException untranslatable) {
                    // The request cannot be put in this provider's terms (e.g. n > 1 for Anthropic): the
                    // client's mistake, answered before anything went upstream.
                    factory.health.neutral(deployment);
                    release();
                    throw untranslatable;
                }
                try (var span = factory.tracing.providerCall(deployment.provider().name(), deployment.model())) {
                    response = send(span, request);
                } catch (HttpTimeoutException e) {
                    failedAttempt(deployment, credential, 0, start, "timeout");
                    lastFailure = Failure.TIMEOUT;
                    break;
                } catch (IOException e) {
                    failedAttempt(deployment, credential, 0, start, "io");
                    lastFailure = Failure.UNREACHABLE;
                    break;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    attempts.add(attempt(deployment, credential, 0, start, null, "interrupted"));
                    release();
                    throw new GatewayException(HttpStatus.SERVICE_UNAVAILABLE, "server_error", null,
                            "The gateway is shutting down.");
                }
                int status = response.statusCode();
                long ttfb = millisSince(start);
                String errorClass = UpstreamCall.classify(status);
                if (errorClass == null || "upstream_4xx".equals(errorClass)) {
                    factory.credentials.report(deployment.provider(), credential, CallOutcome.OK);
                    if (errorClass == null) {
                        factory.health.succeeded(deployment, System.nanoTime() - start);
                    } else {
                        factory.health.neutral(deployment);
                    }
                    answering = deployment;
                    answeringCredential = credential;
                    answerStartNanos = start;
                    answerTtfbMillis = ttfb;
                    answerStatus = status;
                    return new UpstreamAnswer(deployment, status, response.body());
                }
                discard(response);
                switch (errorClass) {
                    case "rate_limited" -> {
                        factory.credentials.report(deployment.provider(), credential, CallOutcome.RATE_LIMITED);
                        failedAttempt(deployment, credential, status, start, errorClass);
                        lastFailure = Failure.RATE_LIMITED;
                    }
                    case "auth" -> {
                        factory.credentials.report(deployment.provider(), credential, CallOutcome.REJECTED);
                        attempts.add(attempt(deployment, credential, status, start, ttfb, errorClass));
                        factory.health.neutral(deployment);
                        lastFailure = Failure.AUTH;
                    }
                    default -> {
                        // a 5xx says nothing about the key, only about the deployment
                        failedAttempt(deployment, credential, status, start, errorClass);
                        lastFailure = Failure.UPSTREAM_5XX;
                    }
                }
                if (lastFailure == Failure.UPSTREAM_5XX) {
                    break;
                }
            }
        }
        release();
        throw lastFailure.toException();
    }

    private HttpResponse<InputStream> send(RequestTracing.TracedStep span, HttpRequest.Builder request)
            throws IOException, InterruptedException {
        try {
            HttpResponse<InputStream> response = factory.http.send(request);
            String errorClass = UpstreamCall.classify(response.statusCode());
            span.outcome(errorClass == null ? "ok" : errorClass);
            return response;
        } catch (IOException | InterruptedException e) {
            span.outcome(e instanceof HttpTimeoutException ? "timeout" : "io").error(e);
            throw e;
        }
    }

    private void failedAttempt(Deployment deployment, Provider.Credential credential, int status, long start,
                               String errorClass) {
        attempts.add(attempt(deployment, credential, status, start, status == 0 ? null : millisSince(start),
                errorClass));
        factory.health.failed(deployment, System.nanoTime() - start, new DeploymentHealth.UpstreamFailure(errorClass));
    }

    private static void discard(HttpResponse<InputStream> response) {
        try (InputStream body = response.body()) {
            body.transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the attempt failed anyway; what the body said does not change what happens next
        }
    }

    /** Debits what the answered request used and releases the rest of the reservation. */
    public SettlementOutcome settle(TokenUsage usage) {
        return settle(usage, null);
    }

    /** @param interruption why a stream ended early ("client_disconnected", "stream_broken"), or null */
    public SettlementOutcome settle(TokenUsage usage, String interruption) {
        attempts.add(attempt(answering, answeringCredential, answerStatus, answerStartNanos, answerTtfbMillis,
                interruption));
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

    /** The provider refused the request as the client's mistake: nothing is charged. */
    public void releaseAfterClientError() {
        attempts.add(attempt(answering, answeringCredential, answerStatus, answerStartNanos, answerTtfbMillis,
                "upstream_4xx"));
        release();
    }

    /**
     * The provider refused the request as the client's mistake: nothing is charged, and the client is told
     * in the provider's own words, in the shape of the client's API.
     */
    public GatewayException releaseAfterClientError(byte[] providerBody) {
        releaseAfterClientError();
        HttpStatus status = HttpStatus.resolve(answerStatus);
        String message = factory.errorMessage(answering, providerBody)
                .orElse("The provider refused the request (HTTP " + answerStatus + ").");
        return new GatewayException(status != null ? status : HttpStatus.BAD_REQUEST, "invalid_request_error",
                "provider_rejected_request", message);
    }

    /**
     * The provider said 200 but its answer cannot be read: nothing is charged, and the client hears that
     * the provider failed.
     */
    public GatewayException releaseAfterUnreadableAnswer(RuntimeException why) {
        log.warn("unreadable answer from {} for request {}: {}", answering.qualifiedName(), requestId(), why.toString());
        attempts.add(attempt(answering, answeringCredential, answerStatus, answerStartNanos, answerTtfbMillis,
                "unreadable_answer"));
        release();
        return new GatewayException(HttpStatus.BAD_GATEWAY, "upstream_error", "provider_error",
                "The provider's answer could not be read.");
    }

    private void release() {
        Deployment last = answering != null ? answering : deployments.getLast();
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
                usage.reasoningTokens(), false);
    }

    private ProviderAttempt attempt(Deployment deployment, Provider.Credential credential, int status, long start,
                                    Long ttfbMillis, String errorClass) {
        return new ProviderAttempt(deployment.provider().name(), deployment.model(),
                credential == null ? null : credential.id(), attempts.size() + 1, status, millisSince(start),
                ttfbMillis, errorClass);
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** Why the last attempt failed, as the client is told once every deployment failed. */
    private enum Failure {
        NO_CREDENTIAL, RATE_LIMITED, AUTH, UPSTREAM_5XX, TIMEOUT, UNREACHABLE;

        GatewayException toException() {
            return switch (this) {
                case NO_CREDENTIAL -> new GatewayException(HttpStatus.SERVICE_UNAVAILABLE, "upstream_error",
                        "provider_unavailable", "No provider of this model has a usable credential right now.");
                case RATE_LIMITED -> new GatewayException(HttpStatus.TOO_MANY_REQUESTS, "rate_limit_error",
                        "rate_limit_exceeded", "The provider is rate limiting requests; retry later.");
                case AUTH -> new GatewayException(HttpStatus.BAD_GATEWAY, "upstream_error", "provider_auth_failed",
                        "The provider rejected the gateway's credential.");
                case UPSTREAM_5XX -> new GatewayException(HttpStatus.BAD_GATEWAY, "upstream_error", "provider_error",
                        "The provider failed to answer.");
                case TIMEOUT -> new GatewayException(HttpStatus.GATEWAY_TIMEOUT, "upstream_error", "provider_timeout",
                        "The provider did not answer in time.");
                case UNREACHABLE -> new GatewayException(HttpStatus.BAD_GATEWAY, "upstream_error",
                        "provider_unreachable", "The provider could not be reached.");
            };
        }
    }

    /** Reserves requests; everything a ReservedCall needs from the application lives here. */
    @Component
    public static class Factory {
        private final CreditMeter meter;
        private final ModelRouter router;
        private final CredentialPool credentials;
        private final DeploymentHealth health;
        private final UpstreamHttp http;
        private final Map<WireFormat, ProviderAdapter> adapters;
        private final RequestTracing tracing;
        private final Rejections rejections;
        private final ObjectMapper json;

        Factory(CreditMeter meter, ModelRouter router, CredentialPool credentials, DeploymentHealth health,
                UpstreamHttp http, List<ProviderAdapter> adapters,
                RequestTracing tracing, Rejections rejections, ObjectMapper json) {
            this.json = json;
            this.tracing = tracing;
            this.rejections = rejections;
            this.meter = meter;
            this.router = router;
            this.credentials = credentials;
            this.health = health;
            this.http = http;
            this.adapters = byWireFormat(adapters);
        }

        private static Map<WireFormat, ProviderAdapter> byWireFormat(List<ProviderAdapter> adapters) {
            Map<WireFormat, ProviderAdapter> byFormat = new EnumMap<>(WireFormat.class);
            adapters.forEach(adapter -> byFormat.put(adapter.wireFormat(), adapter));
            return byFormat;
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
            ProviderAdapter adapter = adapters.get(deployment.provider().wireFormat());
            if (adapter == null) {
                throw new IllegalStateException("no adapter for " + deployment.provider().wireFormat());
            }
            return adapter;
        }

        /** A chat request: worst case = input estimate plus the output limit, at the dearest deployment's rate. */
        public ReservedCall reserve(Caller caller, String model, String apiFormat, boolean stream, long inputEstimate,
                                    Integer maxTokens, int defaultMaxTokens, int minOutputTokens,
                                    HttpServletRequest httpRequest, HttpServletResponse response) {
            return reserve(caller, model, Pricing.CHAT, apiFormat, stream, inputEstimate, maxTokens, defaultMaxTokens,
                    minOutputTokens, httpRequest, response);
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

        /**
         * @param usable   keeps the deployments that can serve this kind of request (a provider family
         *                 without an embeddings API cannot serve embeddings)
         * @param unusable why a model with no usable deployment is refused, for the client
         */
        public ReservedCall reserve(Caller caller, String model, Pricing pricing, Predicate<Deployment> usable,
                                    String unusable, String apiFormat, boolean stream, long inputEstimate,
                                    Integer maxTokens, int defaultMaxTokens, int minOutputTokens,
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
                return usableDeployments;
            });
            ModelRate rate = pricing.rate(deployments.getFirst().prices());
            for (Deployment deployment : deployments) {
                rate = rate.ceiling(pricing.rate(deployment.prices()));
            }
            Deployment primary = deployments.getFirst();
            String requestId = "req_" + EventIds.next();
            Metering outcome;
            try (var span = tracing.reserve(primary.provider().name(), primary.model())) {
                outcome = meter.reserve(new RequestFacts(caller.accountId(), requestId, caller.keyId(),
                        primary.provider().name(), primary.model(), apiFormat, stream, inputEstimate, maxTokens,
                        defaultMaxTokens, minOutputTokens, rate));
                span.outcome(outcome instanceof Metering.Refused refused ? refused.reason() : "reserved");
            } catch (LedgerUnavailable noLease) {
                log.warn("no credit lease for account {}: {}", caller.accountId(), noLease.getMessage());
                throw unavailable("The gateway could not reach its ledger in time; nothing was charged. Retry shortly.");
            }
            if (outcome instanceof Metering.Refused refused) {
                GatewayException refusal = refused(refused);
                response.setHeader(HEADER_REQUEST_ID, requestId);
                meter.recordRejection(caller.accountId(), requestId, primary.model(), refused.reason(),
                        refusal.status().value(), refused.message());
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
            if (ReservationOutcome.ACCOUNT_CLOSED.equals(rejected.reason())) {
                // Not a matter of credit: topping up would not help, so not 402.
                return new GatewayException(HttpStatus.FORBIDDEN, "invalid_request_error", rejected.reason(),
                        rejected.message());
            }
            return new GatewayException(HttpStatus.PAYMENT_REQUIRED, "insufficient_quota", rejected.reason(),
                    rejected.message());
        }
    }
}
