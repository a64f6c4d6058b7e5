package io.tollgate.gateway.auth;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import jakarta.servlet.ServletRequest;

import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Who is calling, resolved from a Tollgate API key or an OAuth2 JWT.
 *
 * @param keyId     the API key's id ({@code key_…}), or {@code jwt:} and the token's subject: it names the
 *                  caller in audit events ({@link #actor()}) and owns idempotency keys of callers without
 *                  an account
 * @param accountId null for an admin that belongs to no account
 * @param scopes    what the caller may call (see {@link Scope})
 * @param ancestorKeyIds the keys this key was made from through {@code /api/keys}, its parent first: their
 *                  limits bind it too, so a key cannot loosen its own limits by making another
 * @param appId     the application of the account this request is made for: the app the key is bound to, or
 *                  the one the {@code x-tollgate-app} header names ({@link Apps}
 *                  checked it); null for none. As resolved from a key, the key's binding.
 */
public record Caller(String keyId, String accountId, Role role, Set<Scope> scopes, List<String> ancestorKeyIds,
                     String appId) {
    public static final String REQUEST_ATTRIBUTE = "io.tollgate.gateway.auth.Caller";
    /** The prefix of {@link #keyId()} for a caller authenticated by a JWT. */
    public static final String JWT_PREFIX = "jwt:";

    public enum Role {
        ADMIN, USER;

        @JsonValue
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static Role parse(String name) {
            if (name != null) {
                for (Role role : values()) {
                    if (role.name().equalsIgnoreCase(name.trim())) {
                        return role;
                    }
                }
            }
            throw new IllegalArgumentException("unknown role '" + name + "': use admin or user");
        }
    }

    /** The caller the API key filter authenticated this request as. */
    public static Caller of(ServletRequest request) {
        if (request.getAttribute(REQUEST_ATTRIBUTE) instanceof Caller caller) {
            return caller;
        }
        throw new IllegalStateException("no authenticated caller: the endpoint is not behind API key authentication");
    }

    public Caller {
        Objects.requireNonNull(role, "role");
        scopes = scopes == null || scopes.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(scopes));
        ancestorKeyIds = ancestorKeyIds == null ? List.of() : List.copyOf(ancestorKeyIds);
    }

    public Caller(String keyId, String accountId, Role role, Set<Scope> scopes, List<String> ancestorKeyIds) {
        this(keyId, accountId, role, scopes, ancestorKeyIds, null);
    }

    /** The same caller, acting for the given app (null: none). */
    public Caller withApp(String app) {
        return java.util.Objects.equals(app, appId) ? this
                : new Caller(keyId, accountId, role, scopes, ancestorKeyIds, app);
    }

    /** A caller whose key was issued by an admin (or a token): nothing above it. */
    public Caller(String keyId, String accountId, Role role, Set<Scope> scopes) {
        this(keyId, accountId, role, scopes, List.of());
    }

    /** A caller with its role's default scopes. */
    public Caller(String keyId, String accountId, Role role) {
        this(keyId, accountId, role, Scope.defaultsFor(role));
    }

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }

    public boolean has(Scope scope) {
        return scopes.contains(scope);
    }

    /** How audit events name this caller: the API key id, or {@code jwt:<subject>}. */
    public String actor() {
        return keyId;
    }

    public boolean isJwt() {
        return keyId != null && keyId.startsWith(JWT_PREFIX);
    }

    /** An admin sees every account; anyone else only their own. */
    public boolean canAccess(String account) {
        return isAdmin() || (accountId != null && accountId.equals(account));
    }
}
