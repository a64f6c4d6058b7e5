package io.tollgate.views.history;

import io.tollgate.events.TollgateEvent;
import io.tollgate.views.history.RequestHistoryProjection.RequestPatch;
import io.tollgate.views.projection.support.BatchContext;
import io.tollgate.views.projection.support.CopyRows;
import io.tollgate.views.projection.support.Sql;
import io.tollgate.views.projection.support.ViewWriter;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The SQL of call history ({@link RequestHistoryProjection} folds): all of a batch's patches go out in one
 * upsert whose conflict clause holds the merge rules of a request's life; a rebuild copies the rows of new
 * requests in (COPY) and merges the rest as live.
 */
public final class RequestHistoryWriter implements ViewWriter {
    private final RequestHistoryProjection projection;

    public RequestHistoryWriter() {
        this(RequestHistoryProjection.live());
    }

    private RequestHistoryWriter(RequestHistoryProjection projection) {
        this.projection = projection;
    }

    /** For a rebuild into a fresh schema: see {@link RequestHistoryProjection#bulk()}. */
    public static RequestHistoryWriter bulk() {
        return new RequestHistoryWriter(RequestHistoryProjection.bulk());
    }

    @Override
    public void begin() {
        projection.begin();
    }

    @Override
    public void apply(TollgateEvent event, BatchContext context) {
        projection.apply(event);
    }

    @Override
    public void write(Connection connection, String schema) throws SQLException {
        if (!projection.hasWork()) {
            return;
        }
        RequestHistoryProjection.Result result = projection.fold();
        copy(connection, schema, result.inserts());
        if (!result.merges().isEmpty()) {
            merge(connection, schema, result.merges());
        }
    }

    private static void copy(Connection connection, String schema, List<RequestPatch> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        CopyRows copy = new CopyRows(schema, "requests", "request_id, account_id, api_key_id, provider, model,"
                + " api_format, stream, status, http_status, attempts, input_tokens, output_tokens, cached_tokens,"
                + " estimated, reserved_micros, cost_micros, refunded_micros, duration_millis, ttfb_millis, error,"
                + " accepted_at, finished_at, lease_id, app_id");
        for (RequestPatch p : rows) {
            copy.text(p.requestId()).text(p.accountId()).text(p.apiKeyId()).text(p.provider()).text(p.model())
                    .text(p.apiFormat()).bool(p.stream()).text(p.status()).number(p.httpStatus())
                    .number(p.attempts()).number(p.inputTokens()).number(p.outputTokens()).number(p.cachedTokens())
                    .bool(p.estimated()).number(p.reserved()).number(p.cost()).number(p.refunded())
                    .number(p.duration()).number(p.ttfb()).text(p.error()).time(p.acceptedAt())
                    .time(p.finishedAt()).text(p.leaseId()).text(p.appId()).endRow();
        }
        copy.copy(connection);
    }

    private static void merge(Connection connection, String schema, List<RequestPatch> toMerge)
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
        for (RequestPatch p : toMerge) {
            ids.add(p.requestId());
            accounts.add(p.accountId());
            keys.add(p.apiKeyId());
            providers.add(p.provider());
            models.add(p.model());
            formats.add(p.apiFormat());
            streams.add(p.stream());
            statuses.add(p.status());
            httpStatuses.add(p.httpStatus());
            attempts.add(p.attempts());
            input.add(p.inputTokens());
            output.add(p.outputTokens());
            cached.add(p.cachedTokens());
            estimated.add(p.estimated());
            reserved.add(p.reserved());
            cost.add(p.cost());
            refunded.add(p.refunded());
            duration.add(p.duration());
            ttfb.add(p.ttfb());
            errors.add(p.error());
            accepted.add(Sql.micros(p.acceptedAt()));
            finished.add(Sql.micros(p.finishedAt()));
            leases.add(p.leaseId());
            apps.add(p.appId());
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
}
