package io.tollgate.views.history;

import java.time.Duration;
import io.tollgate.views.period.Period;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The call-history filters, turned into a WHERE clause with bound parameters.
 *
 * @param from, to        accepted_at in [from, to); either may be null
 * @param minDurationMs   at least this much upstream time (sum of the attempts)
 */
record RequestFilter(String accountId, String status, String model, String key, String app, Instant from,
                     Instant to, Long minDurationMs) {
    /** The {@code app} filter's value for requests made for no app. */
    static final String NO_APP = "none";
    private static final Set<String> STATUSES = Set.of("accepted", "succeeded", "failed", "rejected");

    /** @param app an app id; {@code none} for the requests made for no app */
    static RequestFilter of(String accountId, String status, String model, String key, String app, String from,
                            String to, String tz, Long minDurationMs) {
        if (status != null && !STATUSES.contains(status)) {
            throw Period.badRequest("status must be one of " + STATUSES);
        }
        Instant start = null, end = null;
        if (from != null || to != null) {
            // Only what was given bounds the list; Period parses dates in the viewer's zone.
            Period period = Period.parse(from == null ? "1970-01-01T00:00:00Z" : from,
                    to == null ? "9999-12-31T00:00:00Z" : to, tz, Duration.ZERO);
            start = from == null ? null : period.from();
            end = to == null ? null : period.to();
        }
        return new RequestFilter(accountId, status, model, key, app, start, end, minDurationMs);
    }

    /** Conditions on table alias r; appends their values to params in order. */
    String where(List<Object> params) {
        List<String> conditions = new ArrayList<>();
        conditions.add("r.account_id = ?");
        params.add(accountId);
        if (status != null) {
            conditions.add("r.status = ?");
            params.add(status);
        }
        if (model != null) {
            // Either the bare model name or provider/model, as usage groups it.
            conditions.add("(r.model = ? or r.provider || '/' || r.model = ?)");
            params.add(model);
            params.add(model);
        }
        if (key != null) {
            conditions.add("r.api_key_id = ?");
            params.add(key);
        }
        if (app != null) {
            if (app.equals(NO_APP)) {
                conditions.add("r.app_id is null");
            } else {
                conditions.add("r.app_id = ?");
                params.add(app);
            }
        }
        if (from != null) {
            conditions.add("r.accepted_at >= ?");
            params.add(Timestamp.from(from));
        }
        if (to != null) {
            conditions.add("r.accepted_at < ?");
            params.add(Timestamp.from(to));
        }
        if (minDurationMs != null) {
            conditions.add("r.duration_millis >= ?");
            params.add(minDurationMs);
        }
        return String.join(" and ", conditions);
    }
}
