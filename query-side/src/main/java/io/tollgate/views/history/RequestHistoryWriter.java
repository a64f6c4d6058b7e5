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
import io.tollgate.views.projection.support.BatchContext;
import io.tollgate.views.projection.support.CopyRows;
import io.tollgate.views.projection.support.Sql;
import io.tollgate.views.projection.support.ViewWriter;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Call history: the batch's events of each request are folded into one patch (null = not known from
 * this batch), and all patches go out in one upsert that merges them into the stored rows. A request's
 * events can span batches, so the merge rules are those of the request's life: a final status beats
 * "accepted", attempts and durations add up, anything else keeps the newest known value.
 */
public final class RequestHistoryWriter implements ViewWriter {
    private final Map<String, Patch> patches = new LinkedHashMap<>();
    private final boolean bulk;

    public RequestHistoryWriter() {
        this(false);
    }

    private RequestHistoryWriter(boolean bulk) {
        this.bulk = bulk;
    }

    /**
     * For a rebuild into a fresh schema: a request whose first event (RequestAccepted or RequestRejected) is
     * in the batch has no row yet, so its row is copied in (COPY) rather than merged; the gateway writes all
     * of a request's events together, so nearly every request is one such row. The rest are merged as live.
     */
    public static RequestHistoryWriter bulk() {
        return new RequestHistoryWriter(true);
    }

    @Override
    public void begin() {
        patches.clear();
    }

    @Override
    public void apply(TollgateEvent event, BatchContext context) {
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

    private Patch patch(String requestId, String accountId, Instant at) {
        return patches.computeIfAbsent(requestId, id -> new Patch(id, accountId, at));
    }

    @Override
    public void write(Connection connection, String schema) throws SQLException {
        if (patches.isEmpty()) {
            return;
        }
        if (!bulk) {
            merge(connection, schema, patches.values());
            return;
        }
        List<Patch> merged = new ArrayList<>();
        CopyRows copy = new CopyRows(schema, "requests", "request_id, account_id, api_key_id, provider, model,"
                + " api_format, stream, status, http_status, attempts, input_tokens, output_tokens, cached_tokens,"
                + " estimated, reserved_micros, cost_micros, refunded_micros, duration_millis, ttfb_millis, error,"
                + " accepted_at, finished_at, lease_id, app_id");
        for (Patch p : patches.values()) {
            if (!p.first) {
                merged.add(p);
                continue;
            }
            // Exactly what the merge inserts for a request without a row.
            copy.text(p.requestId).text(p.accountId).text(p.apiKeyId).text(p.provider).text(p.model).text(p.apiFormat)
                    .bool(p.stream).text(p.status == null ? "accepted" : p.status).number(p.httpStatus)
                    .number(p.attempts).number(p.inputTokens).number(p.outputTokens).number(p.cachedTokens)
                    .bool(p.estimated).number(p.reserved).number(p.cost).number(p.refunded).number(p.duration)
                    .number(p.ttfb).text(p.error).time(p.acceptedAt != null ? p.acceptedAt : p.firstSeenAt)
                    .time(p.finishedAt).text(p.leaseId).text(p.appId).endRow();
        }
        copy.copy(connection);
        if (!merged.isEmpty()) {
            merge(connection, schema, merged);
        }
    }

    private static void merge(Connection connection, String schema, java.util.Collection<Patch> toMerge)
            throws SQLException {
        int n = toMerge.size();
        List<String> ids = new ArrayList<>(n), accounts = new ArrayList<>(n), keys = new ArrayList<>(n),
                providers = new ArrayList<>(n), models = new ArrayList<>(n), formats = new ArrayList<>(n),
                statuses = new ArrayList<>(n), errors = new ArrayList<>(n), leases = new ArrayList<>(n),
                apps = new ArrayList<>(n);
        List<Boolean> streams = new ArrayList<>(n), estimated = new ArrayList<>(n);
        List<Integer> httpStatuses = new ArrayList<>(n), attempts = new ArrayList<>(n);
        List<Long> input = new ArrayList<>(n), output = new ArrayList<>(n), cached = new ArrayList<>(n),
                reserved = new ArrayList<>(n), cost = new ArrayList<>(n), refunded = new ArrayList<>(n),
                duration = new ArrayList<>(n), ttfb = new ArrayList<>(n), accepted = new ArrayList<>(n),
                finished = new ArrayList<>(n);
        for (Patch p : toMerge) {
            ids.add(p.requestId);
            accounts.add(p.accountId);
            keys.add(p.apiKeyId);
            providers.add(p.provider);
            models.add(p.model);
            formats.add(p.apiFormat);
            streams.add(p.stream);
            statuses.add(p.status);
            httpStatuses.add(p.httpStatus);
            attempts.add(p.attempts);
            input.add(p.inputTokens);
            output.add(p.outputTokens);
            cached.add(p.cachedTokens);
            estimated.add(p.estimated);
            reserved.add(p.reserved);
            cost.add(p.cost);
            refunded.add(p.refunded);
            duration.add(p.duration);
            ttfb.add(p.ttfb);
            errors.add(p.error);
            accepted.add(Sql.micros(p.acceptedAt != null ? p.acceptedAt : p.firstSeenAt));
            finished.add(Sql.micros(p.finishedAt));
            leases.add(p.leaseId);
            apps.add(p.appId);
        }
        // status: null in a patch means "not decided by this batch"; a new row starts as accepted.
        try (PreparedStatement upsert = connection.prepareStatement("""
                insert into %1$s.requests as r (request_id, account_id, api_key_id, provider, model, api_format, stream,
                    status, http_status, attempts, input_tokens, output_tokens, cached_tokens, estimated, reserved_micros,
                    cost_micros, refunded_micros, duration_millis, ttfb_millis, error, accepted_at, finished_at, lease_id,
                    app_id)
                select id, acc, k, pr, mo, fo, st, coalesce(sta, 'accepted'), hs, att, inp, outp, ca, est, res, co, ref,
                       du, tt, er, %2$s, %3$s, le, ap
                from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bool[], ?::text[],
                            ?::int4[], ?::int4[], ?::int8[], ?::int8[], ?::int8[], ?::bool[], ?::int8[], ?::int8[],
                            ?::int8[], ?::int8[], ?::int8[], ?::text[], ?::int8[], ?::int8[], ?::text[], ?::text[])
                     as t(id, acc, k, pr, mo, fo, st, sta, hs, att, inp, outp, ca, est, res, co, ref, du, tt, er, acat, fin, le,
                          ap)
                on conflict (request_id) do update set
                    api_key_id = coalesce(excluded.api_key_id, r.api_key_id),
                    provider = coalesce(excluded.provider, r.provider),
                    model = coalesce(excluded.model, r.model),
                    api_format = coalesce(excluded.api_format, r.api_format),
                    stream = coalesce(excluded.stream, r.stream),
                    status = case when excluded.status = 'accepted' then r.status else excluded.status end,
                    http_status = coalesce(excluded.http_status, r.http_status),
                    attempts = r.attempts + excluded.attempts,
                    input_tokens = coalesce(excluded.input_tokens, r.input_tokens),
                    output_tokens = coalesce(excluded.output_tokens, r.output_tokens),
                    cached_tokens = coalesce(excluded.cached_tokens, r.cached_tokens),
                    estimated = coalesce(excluded.estimated, r.estimated),
                    reserved_micros = coalesce(excluded.reserved_micros, r.reserved_micros),
                    cost_micros = coalesce(excluded.cost_micros, r.cost_micros),
                    refunded_micros = case when excluded.refunded_micros is null then r.refunded_micros
                                           else coalesce(r.refunded_micros, 0) + excluded.refunded_micros end,
                    duration_millis = case when excluded.duration_millis is null then r.duration_millis
                                           else coalesce(r.duration_millis, 0) + excluded.duration_millis end,
                    ttfb_millis = coalesce(excluded.ttfb_millis, r.ttfb_millis),
                    error = case when excluded.attempts > 0 or excluded.status = 'rejected' then excluded.error
                                 else r.error end,
                    accepted_at = least(excluded.accepted_at, r.accepted_at),
                    finished_at = coalesce(excluded.finished_at, r.finished_at),
                    lease_id = coalesce(excluded.lease_id, r.lease_id),
                    app_id = coalesce(excluded.app_id, r.app_id)"""
                .formatted(schema, Sql.timestamp("acat"), Sql.timestamp("fin")))) {
            int i = 1;
            upsert.setArray(i++, Sql.texts(connection, ids));
            upsert.setArray(i++, Sql.texts(connection, accounts));
            upsert.setArray(i++, Sql.texts(connection, keys));
            upsert.setArray(i++, Sql.texts(connection, providers));
            upsert.setArray(i++, Sql.texts(connection, models));
            upsert.setArray(i++, Sql.texts(connection, formats));
            upsert.setArray(i++, Sql.bools(connection, streams));
            upsert.setArray(i++, Sql.texts(connection, statuses));
            upsert.setArray(i++, Sql.ints(connection, httpStatuses));
            upsert.setArray(i++, Sql.ints(connection, attempts));
            upsert.setArray(i++, Sql.longs(connection, input));
            upsert.setArray(i++, Sql.longs(connection, output));
            upsert.setArray(i++, Sql.longs(connection, cached));
            upsert.setArray(i++, Sql.bools(connection, estimated));
            upsert.setArray(i++, Sql.longs(connection, reserved));
            upsert.setArray(i++, Sql.longs(connection, cost));
            upsert.setArray(i++, Sql.longs(connection, refunded));
            upsert.setArray(i++, Sql.longs(connection, duration));
            upsert.setArray(i++, Sql.longs(connection, ttfb));
            upsert.setArray(i++, Sql.texts(connection, errors));
            upsert.setArray(i++, Sql.longs(connection, accepted));
            upsert.setArray(i++, Sql.longs(connection, finished));
            upsert.setArray(i++, Sql.texts(connection, leases));
            upsert.setArray(i, Sql.texts(connection, apps));
            upsert.executeUpdate();
        }
    }

    /** What one batch says about one request. */
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
    }
}
