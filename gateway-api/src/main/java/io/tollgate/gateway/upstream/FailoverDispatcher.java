package io.tollgate.gateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.gateway.credentials.CredentialPool;
import io.tollgate.gateway.credentials.CredentialPool.CallOutcome;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.providers.Provider;
import io.tollgate.gateway.providers.ProviderAdapter;
import io.tollgate.gateway.providers.UpstreamCall;
import io.tollgate.gateway.providers.UpstreamHttp;
import io.tollgate.gateway.providers.WireFormat;
import io.tollgate.gateway.routing.Deployment;
import io.tollgate.gateway.routing.DeploymentHealth;
import io.tollgate.gateway.telemetry.RequestTracing;
import io.tollgate.ledger.api.ProviderAttempt;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Sends one request through its deployments in failover order, and knows nothing of billing. Within a
 * deployment, a 429 or a rejected key moves on to the provider's next credential; a 5xx, a timeout or an
 * unreachable provider moves on to the next deployment. A 200 or a client error (another 4xx) is the
 * answer: no other deployment would answer a client error differently. Every failed attempt is added to
 * the caller's list; when all fail, the last failure is thrown in the client's terms.
 *
 * <p>A key counts as rejected only when the provider says so about the key ({@link
 * ProviderAdapter#rejectsCredential}, read from its error body): a 403 about the request's content (Gemini's
 * answer for a {@code fileUri} it cannot read) is the client's error, answered once, and disables nothing.
 */
@Component
public class FailoverDispatcher {
    private final CredentialPool credentials;
    private final DeploymentHealth health;
    private final UpstreamHttp http;
    private final RequestTracing tracing;
    private final ObjectMapper json;
    private final Map<WireFormat, ProviderAdapter> adapters = new EnumMap<>(WireFormat.class);

    /** An error body longer than this is judged by its beginning; error bodies are a few hundred bytes. */
    private static final int ERROR_BODY_PEEK = 64 * 1024;

    FailoverDispatcher(CredentialPool credentials, DeploymentHealth health, UpstreamHttp http, RequestTracing tracing,
                       List<ProviderAdapter> adapters, ObjectMapper json) {
        this.json = json;
        this.credentials = credentials;
        this.health = health;
        this.http = http;
        this.tracing = tracing;
        adapters.forEach(adapter -> this.adapters.put(adapter.wireFormat(), adapter));
    }

    /** Builds one provider's HTTP request for a deployment, given the credential's secret. */
    @FunctionalInterface
    public interface RequestBuilder {
        HttpRequest.Builder build(Deployment deployment, ProviderAdapter adapter, String secret);
    }

    /** The deployment that answered 200 or a client error, and how. */
    record Answered(Deployment deployment, Provider.Credential credential, int status, InputStream body,
                    long startNanos, long ttfbMillis, Supplier<java.net.http.HttpHeaders> headers) {

        ProviderAttempt toAttempt(int number, String errorClass) {
            return attempt(deployment, credential, number, status, startNanos, ttfbMillis, errorClass);
        }
    }

    public ProviderAdapter adapter(Deployment deployment) {
        ProviderAdapter adapter = adapters.get(deployment.provider().wireFormat());
        if (adapter == null) {
            throw new IllegalStateException("no adapter for " + deployment.provider().wireFormat());
        }
        return adapter;
    }

    /**
     * @param attempts where each failed attempt is recorded
     * @throws GatewayException when every deployment failed, or the request cannot be put in a provider's
     *                          terms (the client's mistake, found before anything went upstream)
     */
    Answered dispatch(List<Deployment> deployments, RequestBuilder requests, List<ProviderAttempt> attempts) {
        Failure lastFailure = Failure.NO_CREDENTIAL;
        for (int index = 0; index < deployments.size(); index++) {
            Deployment deployment = deployments.get(index);
            boolean lastInLine = index == deployments.size() - 1;
            if (!health.tryAcquire(deployment) && !lastInLine) {
                attempts.add(attempt(deployment, null, attempts.size() + 1, 0, System.nanoTime(), null,
                        "circuit_open"));
                continue;
            }
            ProviderAdapter adapter = adapter(deployment);
            Set<String> triedCredentials = new HashSet<>();
            while (true) {
                Optional<Provider.Credential> next = credentials.next(deployment.provider());
                if (next.isEmpty() || !triedCredentials.add(next.get().id())) {
                    if (triedCredentials.isEmpty()) {
                        attempts.add(attempt(deployment, null, attempts.size() + 1, 0, System.nanoTime(), null,
                                "no_credential"));
                        lastFailure = Failure.NO_CREDENTIAL;
                    }
                    break;
                }
                Provider.Credential credential = next.get();
                long start = System.nanoTime();
                HttpRequest.Builder request;
                try {
                    request = requests.build(deployment, adapter, credential.secret());
                } catch (GatewayException untranslatable) {
                    // e.g. n > 1 for Anthropic: answered before anything went upstream
                    health.neutral(deployment);
                    throw untranslatable;
                }
                HttpResponse<InputStream> response;
                try (var span = tracing.providerCall(deployment.provider().name(), deployment.model())) {
                    response = send(span, request);
                } catch (HttpTimeoutException e) {
                    failed(attempts, deployment, credential, 0, start, "timeout");
                    lastFailure = Failure.TIMEOUT;
                    break;
                } catch (IOException e) {
                    failed(attempts, deployment, credential, 0, start, "io");
                    lastFailure = Failure.UNREACHABLE;
                    break;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    attempts.add(attempt(deployment, credential, attempts.size() + 1, 0, start, null, "interrupted"));
                    throw new GatewayException(HttpStatus.SERVICE_UNAVAILABLE, "server_error", null,
                            "The gateway is shutting down.");
                }
                int status = response.statusCode();
                long ttfb = millisSince(start);
                String errorClass = adapter.classify(status);
                InputStream body = response.body();
                if (adapter.mayRejectCredential(status)) {
                    byte[] peeked;
                    try {
                        peeked = body.readNBytes(ERROR_BODY_PEEK);
                    } catch (IOException e) {
                        discard(body);
                        failed(attempts, deployment, credential, status, start, "io");
                        lastFailure = Failure.UNREACHABLE;
                        break;
                    }
                    body = new SequenceInputStream(new ByteArrayInputStream(peeked), body);
                    errorClass = adapter.rejectsCredential(status, parse(peeked)) ? "auth" : "upstream_4xx";
                }
                if (errorClass == null || "upstream_4xx".equals(errorClass)) {
                    credentials.report(deployment.provider(), credential, CallOutcome.OK);
                    if (errorClass == null) {
                        health.succeeded(deployment, System.nanoTime() - start);
                    } else {
                        health.neutral(deployment);
                    }
                    return new Answered(deployment, credential, status, body, start, ttfb, response::headers);
                }
                discard(body);
                switch (errorClass) {
                    case "rate_limited" -> {
                        credentials.report(deployment.provider(), credential, CallOutcome.RATE_LIMITED);
                        failed(attempts, deployment, credential, status, start, errorClass);
                        lastFailure = Failure.RATE_LIMITED;
                    }
                    case "auth" -> {
                        credentials.report(deployment.provider(), credential, CallOutcome.REJECTED);
                        attempts.add(attempt(deployment, credential, attempts.size() + 1, status, start, ttfb,
                                errorClass));
                        health.neutral(deployment);
                        lastFailure = Failure.AUTH;
                    }
                    default -> {
                        // a 5xx says nothing about the key, only about the deployment
                        failed(attempts, deployment, credential, status, start, errorClass);
                        lastFailure = Failure.UPSTREAM_5XX;
                    }
                }
                if (lastFailure == Failure.UPSTREAM_5XX) {
                    break;
                }
            }
        }
        throw lastFailure.toException();
    }

    private HttpResponse<InputStream> send(RequestTracing.TracedStep span, HttpRequest.Builder request)
            throws IOException, InterruptedException {
        try {
            HttpResponse<InputStream> response = http.send(request);
            String errorClass = UpstreamCall.classify(response.statusCode());
            span.outcome(errorClass == null ? "ok" : errorClass);
            return response;
        } catch (IOException | InterruptedException e) {
            span.outcome(e instanceof HttpTimeoutException ? "timeout" : "io").error(e);
            throw e;
        }
    }

    private void failed(List<ProviderAttempt> attempts, Deployment deployment, Provider.Credential credential,
                        int status, long start, String errorClass) {
        attempts.add(attempt(deployment, credential, attempts.size() + 1, status, start,
                status == 0 ? null : millisSince(start), errorClass));
        health.failed(deployment, System.nanoTime() - start, new DeploymentHealth.UpstreamFailure(errorClass));
    }

    /** The error body as JSON; null when it is not JSON (an HTML page from a proxy says nothing about the key). */
    private JsonNode parse(byte[] body) {
        try {
            return body.length == 0 ? null : json.readTree(body);
        } catch (IOException notJson) {
            return null;
        }
    }

    private static void discard(InputStream response) {
        try (InputStream body = response) {
            body.transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the attempt failed anyway; what the body said does not change what happens next
        }
    }

    private static ProviderAttempt attempt(Deployment deployment, Provider.Credential credential, int number,
                                           int status, long start, Long ttfbMillis, String errorClass) {
        return new ProviderAttempt(deployment.provider().name(), deployment.model(),
                credential == null ? null : credential.id(), number, status, millisSince(start), ttfbMillis,
                errorClass);
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
}
