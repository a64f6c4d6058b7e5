package io.tollgate.views.history;

import io.tollgate.events.CreditsDebited;
import io.tollgate.events.CreditsRefunded;
import io.tollgate.events.CreditsReserved;
import io.tollgate.events.ProviderCalled;
import io.tollgate.events.ReleaseReason;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.RequestRejected;
import io.tollgate.events.ReservationReleased;
import io.tollgate.events.TokensConsumed;
import io.tollgate.events.TollgateEvent;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Call history as a fold: the batch's events of each request become one patch of its row (null = not known
 * from this batch). A request's events can span batches, so {@link RequestHistoryWriter} merges the patches
 * into the stored rows by the rules of the request's life: a final status beats "accepted", attempts,
 * durations and refunds add up, anything else keeps the newest known value.
 *
 * <p>In a rebuild ({@link #bulk()}) a request whose first event (RequestAccepted or RequestRejected) is in the
 * batch has no row yet in the fresh schema, so it comes out as a whole new row instead; the gateway writes all
 * of a request's events together, so nearly every request is one such row.
 */
final class RequestHistoryProjection {
    /**
     * What one batch says about one request, or a whole new row ({@link Result#inserts()}: status is then never
     * null). Null means not known from this batch; status null means not decided by it; attempts, duration and
     * refunded are this batch's share; acceptedAt is the batch's first event's time when it lacks the
     * RequestAccepted.
     */
    record RequestPatch(String requestId, String accountId, String apiKeyId, String provider, String model,
                        String apiFormat, Boolean stream, String status, Integer httpStatus, int attempts,
                        Long inputTokens, Long outputTokens, Long cachedTokens, Boolean estimated, Long reserved,
                        Long cost, Long refunded, Long duration, Long ttfb, String error, Instant acceptedAt,
                        Instant finishedAt, String leaseId, String appId) {
    }

    /** New rows to insert (a rebuild only) and patches to merge into stored rows (or insert where there is none). */
    record Result(List<RequestPatch> inserts, List<RequestPatch> merges) {
    }

    private final Map<String, Patch> patches = new LinkedHashMap<>();
    private final boolean bulk;

    private RequestHistoryProjection(boolean bulk) {
        this.bulk = bulk;
    }

    static RequestHistoryProjection live() {
        return new RequestHistoryProjection(false);
    }

    static RequestHistoryProjection bulk() {
        return new RequestHistoryProjection(true);
    }

    /** A new batch starts; whatever an earlier, rolled back batch left is dropped. */
    void begin() {
        patches.clear();
    }

    void apply(TollgateEvent event) {
        switch (event) {
            case RequestAccepted e -> {
                Patch p = patch(e.requestId(), e.accountId(), e.occurredAt());
                p.apiKeyId = e.apiKeyId();
                p.provider = e.provider();
                p.model = e.model();
                p.apiFormat = e.apiFormat();
                p.stream = e.stream();
                p.acceptedAt = e.occurredAt();
                p.first = true;
                if (e.reservedMicros() > 0) {
                    // New shape: the worst case held on the lease; old events bring it in CreditsReserved.
                    p.reserved = e.reservedMicros();
                }
                if (e.leaseId() != null) {
                    p.leaseId = e.leaseId();
                }
                p.appId = e.appId();
            }
            case RequestRejected e -> {
                Patch p = patch(e.requestId(), e.accountId(), e.occurredAt());
                p.model = e.model();
                p.appId = e.appId();
                p.status = "rejected";
                p.first = true;
                p.httpStatus = e.httpStatus();
                p.error = e.reason();
                p.finishedAt = e.occurredAt();
            }
            case CreditsReserved e -> patch(e.requestId(), e.accountId(), e.occurredAt()).reserved = e.amountMicros();
            case ProviderCalled e -> {
                Patch p = patch(e.requestId(), e.accountId(), e.occurredAt());
                p.attempts++;
                p.duration = (p.duration == null ? 0 : p.duration) + e.latencyMillis();
                if (e.ttfbMillis() != null) {
                    p.ttfb = e.ttfbMillis();
                }
                p.httpStatus = e.httpStatus();
                p.error = e.errorClass();
            }
            case TokensConsumed e -> {
                Patch p = patch(e.requestId(), e.accountId(), e.occurredAt());
                p.inputTokens = e.inputTokens();
                p.outputTokens = e.outputTokens();
                p.cachedTokens = e.cachedInputTokens();
                p.estimated = e.estimated();
            }
            case CreditsDebited e -> {
                Patch p = patch(e.requestId(), e.accountId(), e.occurredAt());
                p.status = "succeeded";
                p.cost = e.amountMicros();
                p.finishedAt = e.occurredAt();
                if (e.leaseId() != null) {
                    p.leaseId = e.leaseId();
                }
            }
            case ReservationReleased e -> {
                if (e.reason() != ReleaseReason.SETTLED) {
                    Patch p = patch(e.requestId(), e.accountId(), e.occurredAt());
                    p.status = "failed";
                    p.cost = 0L;
                    p.finishedAt = e.occurredAt();
                    if (e.leaseId() != null) {
                        p.leaseId = e.leaseId();
                    }
                }
            }
            case CreditsRefunded e -> {
                Patch p = patch(e.requestId(), e.accountId(), e.occurredAt());
                p.refunded = (p.refunded == null ? 0 : p.refunded) + e.amountMicros();
            }
            default -> {
            }
        }
    }

    boolean hasWork() {
        return !patches.isEmpty();
    }

    Result fold() {
        if (!bulk) {
            List<RequestPatch> merges = new ArrayList<>(patches.size());
            for (Patch p : patches.values()) {
                merges.add(p.toRecord(p.status));
            }
            return new Result(List.of(), merges);
        }
        List<RequestPatch> inserts = new ArrayList<>(patches.size());
        List<RequestPatch> merges = new ArrayList<>();
        for (Patch p : patches.values()) {
            if (p.first) {
                // Exactly what the merge inserts for a request without a row.
                inserts.add(p.toRecord(p.status == null ? "accepted" : p.status));
            } else {
                merges.add(p.toRecord(p.status));
            }
        }
        return new Result(inserts, merges);
    }

    private Patch patch(String requestId, String accountId, Instant at) {
        return patches.computeIfAbsent(requestId, id -> new Patch(id, accountId, at));
    }

    /** What one batch says about one request, while the batch is folded. */
    private static final class Patch {
        final String requestId, accountId;
        final Instant firstSeenAt;
        String apiKeyId, provider, model, apiFormat, status, error, leaseId, appId;
        Boolean stream, estimated;
        Integer httpStatus;
        int attempts;
        /** The batch has the request's first event: in a fresh schema it has no row yet. */
        boolean first;
        Long inputTokens, outputTokens, cachedTokens, reserved, cost, refunded, duration, ttfb;
        Instant acceptedAt, finishedAt;

        Patch(String requestId, String accountId, Instant firstSeenAt) {
            this.requestId = requestId;
            this.accountId = accountId;
            this.firstSeenAt = firstSeenAt;
        }

        RequestPatch toRecord(String status) {
            return new RequestPatch(requestId, accountId, apiKeyId, provider, model, apiFormat, stream, status,
                    httpStatus, attempts, inputTokens, outputTokens, cachedTokens, estimated, reserved, cost, refunded,
                    duration, ttfb, error, acceptedAt != null ? acceptedAt : firstSeenAt, finishedAt, leaseId, appId);
        }
    }
}
