package io.tollgate.views.projection;

import io.tollgate.events.AccountClosed;
import io.tollgate.events.AccountOpened;
import io.tollgate.events.CreditsAdjusted;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.CreditsExpired;
import io.tollgate.events.CreditsGranted;
import io.tollgate.events.CreditsRefunded;
import io.tollgate.events.CreditsReserved;
import io.tollgate.events.ModelRateSet;
import io.tollgate.events.ProviderCalled;
import io.tollgate.events.ReleaseReason;
import io.tollgate.events.RequestAccepted;
import io.tollgate.events.RequestRejected;
import io.tollgate.events.ReservationReleased;
import io.tollgate.events.TokensConsumed;
import io.tollgate.events.TollgateEvent;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import java.sql.Timestamp;
import java.util.List;

/**
 * Balance, usage totals and one row per request, per account. Each event is applied at most once:
 * its id goes into processed_events in the same transaction as its effect.
 */
@Component
public class UsageAndBalanceProjection {
    private final JdbcClient jdbc;

    public UsageAndBalanceProjection(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Transactional
    public void apply(List<TollgateEvent> events) {
        for (TollgateEvent event : events) {
            if (firstSighting(event)) {
                project(event);
            }
        }
    }

    private boolean firstSighting(TollgateEvent event) {
        return jdbc.sql("insert into views.processed_events (event_id) values (?) on conflict do nothing")
                .param(event.eventId())
                .update() == 1;
    }

    private void project(TollgateEvent event) {
        Timestamp at = Timestamp.from(event.occurredAt());
        String account = event.accountId();
        switch (event) {
            case AccountOpened e -> {
                jdbc.sql("""
                                insert into views.account_balances (account_id, display_name, updated_at) values (?, ?, ?)
                                on conflict (account_id) do update set display_name = excluded.display_name""")
                        .params(account, e.displayName(), at).update();
                ensureUsageRow(account, at);
            }
            case CreditsGranted e -> addToBalance(account, at, e.amountMicros(), 0, 0);
            case CreditsAdjusted e -> addToBalance(account, at, e.deltaMicros(), 0, 0);
            case CreditsExpired e -> addToBalance(account, at, -e.amountMicros(), 0, 0);
            case CreditsReserved e -> addToBalance(account, at, 0, 0, e.amountMicros());
            case CreditsRefunded e -> addToBalance(account, at, 0, -e.amountMicros(), 0);
            case CreditsDebited e -> {
                addToBalance(account, at, 0, e.amountMicros(), 0);
                addToUsage(account, at, "succeeded = succeeded + 1, cost_micros = cost_micros + ?", e.amountMicros());
                jdbc.sql("""
                                update views.requests set status = 'succeeded', cost_micros = ?, finished_at = ?
                                where request_id = ?""")
                        .params(e.amountMicros(), at, e.requestId()).update();
            }
            case ReservationReleased e -> {
                addToBalance(account, at, 0, 0, -e.amountMicros());
                if (e.reason() != ReleaseReason.SETTLED) {
                    addToUsage(account, at, "failed = failed + 1");
                    jdbc.sql("update views.requests set status = 'failed', cost_micros = 0, finished_at = ? where request_id = ?")
                            .params(at, e.requestId()).update();
                }
            }
            case RequestAccepted e -> {
                addToUsage(account, at, "requests = requests + 1");
                jdbc.sql("""
                                insert into views.requests (request_id, account_id, provider, model, status, stream, accepted_at)
                                values (?, ?, ?, ?, 'accepted', ?, ?) on conflict (request_id) do nothing""")
                        .params(e.requestId(), account, e.provider(), e.model(), e.stream(), at).update();
            }
            case RequestRejected e -> {
                addToUsage(account, at, "requests = requests + 1, rejected = rejected + 1");
                jdbc.sql("""
                                insert into views.requests (request_id, account_id, model, status, error, accepted_at, finished_at)
                                values (?, ?, ?, 'rejected', ?, ?, ?) on conflict (request_id) do nothing""")
                        .params(e.requestId(), account, e.model(), e.reason(), at, at).update();
            }
            case ProviderCalled e -> jdbc.sql("""
                            update views.requests set latency_millis = ?, ttfb_millis = ?, error = ?
                            where request_id = ?""")
                    .params(e.latencyMillis(), e.ttfbMillis(), e.errorClass(), e.requestId()).update();
            case TokensConsumed e -> {
                addToUsage(account, at, "input_tokens = input_tokens + ?, output_tokens = output_tokens + ?",
                        e.inputTokens(), e.outputTokens());
                jdbc.sql("""
                                update views.requests set input_tokens = ?, output_tokens = ?, estimated = ?
                                where request_id = ?""")
                        .params(e.inputTokens(), e.outputTokens(), e.estimated(), e.requestId()).update();
            }
            case AccountClosed e -> {
                // Nothing to total; the balance stays readable for statements.
            }
            case ModelRateSet e -> {
                // A price list, not a movement of credit: requests carry the rate they were reserved at.
            }
        }
    }

    private void addToBalance(String account, Timestamp at, long granted, long debited, long reserved) {
        jdbc.sql("""
                        insert into views.account_balances (account_id, granted_micros, debited_micros, reserved_micros, updated_at)
                        values (?, ?, ?, ?, ?)
                        on conflict (account_id) do update set
                            granted_micros = account_balances.granted_micros + excluded.granted_micros,
                            debited_micros = account_balances.debited_micros + excluded.debited_micros,
                            reserved_micros = account_balances.reserved_micros + excluded.reserved_micros,
                            updated_at = excluded.updated_at""")
                .params(account, granted, debited, reserved, at).update();
    }

    private void ensureUsageRow(String account, Timestamp at) {
        jdbc.sql("insert into views.account_usage (account_id, updated_at) values (?, ?) on conflict do nothing")
                .params(account, at).update();
    }

    /** @param assignments a fixed SET clause of this class's own; values go in as parameters */
    private void addToUsage(String account, Timestamp at, String assignments, Object... values) {
        ensureUsageRow(account, at);
        Object[] params = new Object[values.length + 2];
        System.arraycopy(values, 0, params, 0, values.length);
        params[values.length] = at;
        params[values.length + 1] = account;
        jdbc.sql("update views.account_usage set " + assignments + ", updated_at = ? where account_id = ?")
                .params(params).update();
    }
}
