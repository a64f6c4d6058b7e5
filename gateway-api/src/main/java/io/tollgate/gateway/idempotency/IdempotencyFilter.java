package io.tollgate.gateway.idempotency;

import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.errors.ErrorResponses;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.hashing.Sha256;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.util.Collections;
import java.util.List;

/**
 * {@code Idempotency-Key} on the POST endpoints listed in {@code tollgate.idempotency.paths}: the first
 * request with a key runs, its final outcome is kept, and a retry with the same key and body gets that
 * outcome again, byte for byte, without reaching the provider or the ledger, so it is never charged twice.
 *
 * <p>A request without the header costs a header lookup and nothing else.
 */
@Component
public class IdempotencyFilter extends OncePerRequestFilter {
    public static final String HEADER = "Idempotency-Key";
    public static final String REPLAYED_HEADER = "idempotent-replayed";
    private static final Logger log = LoggerFactory.getLogger(IdempotencyFilter.class);

    private final IdempotencyKeyStore store;
    private final InFlightClaims inFlight;
    private final UnsavedOutcomes unsaved;
    private final IdempotencyProperties properties;
    private final ErrorResponses errors;

    IdempotencyFilter(IdempotencyKeyStore store, InFlightClaims inFlight, UnsavedOutcomes unsaved,
                      IdempotencyProperties properties, ErrorResponses errors) {
        this.store = store;
        this.inFlight = inFlight;
        this.unsaved = unsaved;
        this.properties = properties;
        this.errors = errors;
    }

    /** The headers a replay carries besides status, content type and body: the request id and Tollgate's own. */
    static boolean isReplayedHeader(String name) {
        String lower = name.toLowerCase();
        return lower.equals("x-request-id") || lower.startsWith("x-tollgate-");
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !"POST".equals(request.getMethod()) || request.getHeader(HEADER) == null
                || !properties.paths().contains(request.getRequestURI());
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        List<String> values = Collections.list(request.getHeaders(HEADER));
        if (values.size() != 1 || !IdempotencyKey.isValid(values.getFirst())) {
            reject(request, response, HttpStatus.BAD_REQUEST, null, values.size() != 1
                    ? "Send one Idempotency-Key header, not " + values.size() + "."
                    : "The Idempotency-Key must be 1 to " + IdempotencyKey.MAX_LENGTH
                            + " printable ASCII characters.");
            return;
        }
        if (!(request.getAttribute(Caller.REQUEST_ATTRIBUTE) instanceof Caller caller)) {
            throw new IllegalStateException(request.getRequestURI() + " is listed in tollgate.idempotency.paths "
                    + "but is not behind API key authentication: an Idempotency-Key needs an owner");
        }
        IdempotencyKey key = IdempotencyKey.of(caller, values.getFirst());
        byte[] body = request.getInputStream().readAllBytes();

        Claim claim;
        try {
            claim = store.claim(key, request.getRequestURI(), Sha256.of(body));
        } catch (DataAccessException e) {
            // Running the request without its key could charge a retry twice: refuse instead.
            log.error("could not claim an idempotency key", e);
            reject(request, response, HttpStatus.SERVICE_UNAVAILABLE, "server_error", "idempotency_unavailable",
                    "Idempotency keys cannot be checked right now; retry the request later.");
            return;
        }
        switch (claim) {
            case Claim.Acquired acquired -> run(acquired, new CachedBodyRequest(request, body), response, chain);
            case Claim.Completed completed when completed.response().replayable() ->
                    replay(completed.response(), response);
            case Claim.Completed completed -> reject(request, response, HttpStatus.CONFLICT, null,
                    "idempotency_response_unavailable", "A request with this Idempotency-Key has completed (HTTP "
                            + completed.response().status() + requestIdClause(completed.response())
                            + "), but its response was not kept for replay: it was larger than "
                            + properties.maxStoredResponse().toKilobytes() + " KiB or failed unexpectedly. It will not "
                            + "be run or charged again; send a new request with a new key.");
            case Claim.InProgress ignored -> {
                response.setHeader("Retry-After", "1");
                reject(request, response, HttpStatus.CONFLICT, "idempotency_key_in_use", "A request with this "
                        + "Idempotency-Key is still being processed; retry once it has completed.");
            }
            case Claim.OutcomeUnknown ignored -> reject(request, response, HttpStatus.CONFLICT, null,
                    "idempotency_outcome_unknown", "A request with this Idempotency-Key began on a gateway instance "
                            + "that stopped answering for it before its outcome was stored, so whether it completed "
                            + "and was charged is unknown. It will not be run or charged again; check your usage, "
                            + "or send a new request with a new key.");
            case Claim.Mismatch ignored -> reject(request, response, HttpStatus.UNPROCESSABLE_ENTITY, "idempotency_key_reused",
                    "This Idempotency-Key was already used for a different request. Use a new key for a new request.");
        }
    }

    private void run(Claim.Acquired claim, HttpServletRequest request, HttpServletResponse response,
                     FilterChain chain) throws ServletException, IOException {
        var capturing = new CapturingResponse(response, (int) properties.maxStoredResponse().toBytes());
        inFlight.add(claim);
        IdempotentOutcome.onCharging(request, () -> noteCharging(claim));
        try {
            chain.doFilter(request, capturing);
        } catch (Throwable failure) {
            // Unhandled, so the container answers with its own error page: not something to replay, but a
            // final outcome all the same once the request had begun its work.
            finish(claim, capturing.toStoredResponse().withoutBody(), IdempotentOutcome.isFinal(request, 0));
            throw failure;
        } finally {
            inFlight.remove(claim);
        }
        StoredResponse outcome = capturing.toStoredResponse();
        finish(claim, outcome, IdempotentOutcome.isFinal(request, outcome.status()));
    }

    private void noteCharging(Claim.Acquired claim) {
        boolean noted;
        try {
            noted = store.markCharging(claim);
        } catch (DataAccessException e) {
            log.error("could not note on an idempotency key that its request is charging", e);
            throw new GatewayException(HttpStatus.SERVICE_UNAVAILABLE, "server_error", "idempotency_unavailable",
                    "Idempotency keys cannot be updated right now; nothing was charged. Retry the request later.")
                    .withHeader("Retry-After", "1");
        }
        if (!noted) {
            throw new GatewayException(HttpStatus.CONFLICT, "invalid_request_error", "idempotency_key_in_use",
                    "Another request with this Idempotency-Key took it over; nothing was charged for this one.");
        }
    }

    /** Keeps a final outcome for replay, or forgets the key so that the request may be sent again. */
    private void finish(Claim.Acquired claim, StoredResponse outcome, boolean isFinal) {
        try {
            save(claim, outcome, isFinal);
        } catch (RuntimeException e) {
            // The client has its answer: a storage failure must not turn it into an error. The outcome is
            // stored again until the database takes it, and the key's lease is renewed meanwhile, so a retry
            // waits (409) for the original answer instead of running and being charged again.
            log.error("could not store the outcome of an idempotency key of {}; retrying", claim.key().scope(), e);
            unsaved.add(claim, outcome, isFinal);
            inFlight.add(claim);
        }
    }

    /** Stores (or releases) one outcome; throws when the database does not take it. */
    void save(Claim.Acquired claim, StoredResponse outcome, boolean isFinal) {
        if (!isFinal) {
            store.release(claim);
        } else if (!store.complete(claim, outcome)) {
            log.warn("an idempotency key of {} was taken over while its request ran (longer than its lease); "
                    + "the outcome of the first run is not kept", claim.key().scope());
        }
    }

    private static void replay(StoredResponse stored, HttpServletResponse response) throws IOException {
        response.setStatus(stored.status());
        if (stored.contentType() != null) {
            response.setContentType(stored.contentType());
        }
        stored.headers().forEach((name, values) -> values.forEach(value -> response.addHeader(name, value)));
        response.setHeader(REPLAYED_HEADER, "true");
        response.setContentLength(stored.body().length);
        response.getOutputStream().write(stored.body());
    }

    private static String requestIdClause(StoredResponse stored) {
        String requestId = stored.header("x-request-id");
        return requestId == null ? "" : ", request " + requestId;
    }

    private void reject(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String code,
                        String message) throws IOException {
        reject(request, response, status, "invalid_request_error", code, message);
    }

    private void reject(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String type,
                        String code, String message) throws IOException {
        errors.write(request, response, new GatewayException(status, type, code, message));
    }
}
