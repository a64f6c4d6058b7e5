package io.tollgate.gateway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.tollgate.events.support.EventIds;
import io.tollgate.gateway.edge.ClientText;
import io.tollgate.gateway.errors.GatewayException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The applications of an account (AIGNE Hub's projects): every request may be made for one, so that usage,
 * cost and call history break down by app. A request's app is the one its key is bound to, or the one its
 * {@code x-tollgate-app} header names, which must be an active app of the caller's account.
 *
 * <p>It lives with authentication because every authenticated request asks it (in {@link ApiKeyFilter}).
 * Apps are resolved from a per-instance cache, as keys are: a request that names no app and whose key is
 * bound to none costs nothing; one that does costs a cache hit. Every instance drops an app the moment it is
 * disabled ({@code NOTIFY tollgate_auth, 'app:<id>'}); the cache's time-to-live is
 * {@code tollgate.auth.key-cache-ttl}, the keys' safety net.
 */
@Component
public class Apps implements AuthInvalidation.Listener {
    /** The header a request names its app in. */
    public static final String HEADER = "x-tollgate-app";
    /** Ids an admin may choose: plain characters only, as they are stored in events. */
    public static final String ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}";

    private final JdbcClient jdbc;
    private final Cache<String, Optional<App>> byId;

    /** @param disabledAt null while the app takes requests */
    public record App(String id, String accountId, String name, Instant createdAt, String createdBy,
                      Instant disabledAt, String disabledBy) {
        public String state() {
            return disabledAt == null ? "active" : "disabled";
        }

        public boolean active() {
            return disabledAt == null;
        }
    }

    Apps(JdbcClient jdbc, AuthProperties properties) {
        this.jdbc = jdbc;
        this.byId = Caffeine.newBuilder().expireAfterWrite(properties.keyCacheTtl()).maximumSize(100_000).build();
    }

    /**
     * The caller as it acts for this request: with the app its key is bound to, or the one {@code claimed} (the
     * header) names. Refused in the caller's API shape: an app that is not one of the caller's account (400
     * {@code unknown_app}, the same for another account's app as for none at all), another app than the key is
     * bound to (403 {@code app_not_allowed}), a disabled app (403 {@code app_disabled}).
     */
    public Caller forRequest(Caller caller, String claimed) {
        String bound = caller.appId();
        String named = claimed == null || claimed.isBlank() ? null : claimed.trim();
        if (named == null && bound == null) {
            return caller;
        }
        if (named != null && !ClientText.acceptable(named, ClientText.NAME_MAX)) {
            throw new GatewayException(HttpStatus.BAD_REQUEST, "invalid_request_error", "unknown_app",
                    "The " + HEADER + " header must name an app of your account.");
        }
        if (bound != null && named != null && !bound.equals(named)) {
            throw new GatewayException(HttpStatus.FORBIDDEN, "permission_error", "app_not_allowed",
                    "This key is bound to the app '" + bound + "' and cannot make requests for another app.");
        }
        String appId = bound != null ? bound : named;
        Optional<App> app = cached(appId);
        if (app.isEmpty() || caller.accountId() == null || !app.get().accountId().equals(caller.accountId())) {
            throw new GatewayException(HttpStatus.BAD_REQUEST, "invalid_request_error", "unknown_app",
                    "No app '" + appId + "' in your account.");
        }
        if (!app.get().active()) {
            throw new GatewayException(HttpStatus.FORBIDDEN, "permission_error", "app_disabled",
                    "The app '" + appId + "' is disabled.");
        }
        return caller.withApp(appId);
    }

    private Optional<App> cached(String appId) {
        return byId.get(appId, this::find);
    }

    /**
     * @param id null: one is made ({@code app_…})
     * @throws GatewayException 409 {@code app_exists} when the id, or the name in this account, is taken
     */
    public App create(String accountId, String name, String id, Caller actor) {
        String appId = id != null ? id : "app_" + EventIds.next();
        try {
            jdbc.sql("insert into gateway.apps (id, account_id, name, created_by) values (?, ?, ?, ?)")
                    .params(appId, accountId, name.trim(), actor.actor())
                    .update();
        } catch (DuplicateKeyException taken) {
            throw new GatewayException(HttpStatus.CONFLICT, "invalid_request_error", "app_exists",
                    "An app with this id, or with this name in the account, exists already.");
        }
        byId.invalidate(appId);
        return find(appId).orElseThrow();
    }

    /** Stops the app taking requests, on every instance at once; its keys stay, and are refused while it is. */
    public Optional<App> disable(String appId, Caller actor) {
        jdbc.sql("update gateway.apps set disabled_at = now(), disabled_by = ? where id = ? and disabled_at is null")
                .params(actor.actor(), appId)
                .update();
        byId.invalidate(appId);
        return find(appId);
    }

    public Optional<App> find(String appId) {
        return jdbc.sql(SELECT + " where id = ?").param(appId).query(Apps::app).optional();
    }

    /** @param accountId null: every app */
    public List<App> list(String accountId) {
        return accountId == null
                ? jdbc.sql(SELECT + " order by account_id, name limit 1000").query(Apps::app).list()
                : jdbc.sql(SELECT + " where account_id = ? order by name").param(accountId).query(Apps::app).list();
    }

    /** Whether the ledger has ever opened this account. */
    public boolean accountExists(String accountId) {
        return jdbc.sql("""
                        select exists (select 1 from ledger.domain_event_entry
                                       where aggregate_identifier = ? and sequence_number = 0)""")
                .param(accountId).query(Boolean.class).single();
    }

    private static final String SELECT = """
            select id, account_id, name, created_at, created_by, disabled_at, disabled_by from gateway.apps""";

    private static App app(ResultSet rs, int row) throws SQLException {
        return new App(rs.getString("id"), rs.getString("account_id"), rs.getString("name"),
                instant(rs.getTimestamp("created_at")), rs.getString("created_by"),
                instant(rs.getTimestamp("disabled_at")), rs.getString("disabled_by"));
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    @Override
    public void invalidate(String payload) {
        if (payload.startsWith("app:")) {
            byId.invalidate(payload.substring("app:".length()));
        }
    }

    @Override
    public void invalidateAll() {
        byId.invalidateAll();
    }
}
