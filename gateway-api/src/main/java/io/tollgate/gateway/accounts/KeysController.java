package io.tollgate.gateway.accounts;

import io.tollgate.gateway.edge.EdgeText;

import io.tollgate.gateway.auth.ApiKeys;
import io.tollgate.gateway.auth.AuthProperties;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.auth.Scope;
import io.tollgate.gateway.errors.GatewayException;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Tollgate API keys. Admins manage any key under {@code /admin/keys}; every caller manages the keys of
 * its own account under {@code /api/keys}, and someone else's key is, to it, a key that does not exist
 * (404). A secret appears once, in the answer that created it.
 */
@RestController
class KeysController {
    private final ApiKeys keys;
    private final AuthProperties properties;
    private final KeyAuthority authority;

    KeysController(ApiKeys keys, AuthProperties properties, KeyAuthority authority) {
        this.keys = keys;
        this.properties = properties;
        this.authority = authority;
    }

    /**
     * @param role      admin or user (default user); only admins issue admin keys
     * @param scopes    chat, embeddings, images, admin (default: the role's: everything for an admin, the
     *                  first three for a user)
     * @param expiresAt optional ISO instant
     * @param appId     optional: an active app of the key's account; every request of the key is made for it
     */
    record AdminKeyRequest(@NotBlank @Size(max = 200) @EdgeText String name, @EdgeText String accountId, Caller.Role role,
                           Set<Scope> scopes, Instant expiresAt, @EdgeText String appId) {
    }

    /** @param appId optional: an app of the caller's account; a key bound to an app makes keys of that app only */
    record OwnKeyRequest(@NotBlank @Size(max = 200) @EdgeText String name, Set<Scope> scopes, Instant expiresAt,
                         @EdgeText String appId) {
    }

    /** @param graceSeconds how long the old key keeps working (default tollgate.auth.rotation-grace) */
    record RotateRequest(Long graceSeconds) {
    }

    /** The secret is in {@code key} in this response only. */
    record IssuedKeyResponse(String id, String key, String prefix, String accountId, Caller.Role role,
                             Set<Scope> scopes, Instant expiresAt, String replaces, Instant previousKeyEndsAt,
                             String appId) {
        static IssuedKeyResponse of(ApiKeys.IssuedKey issued, String replaces, Instant previousKeyEndsAt) {
            var view = issued.view();
            return new IssuedKeyResponse(issued.id(), issued.secret(), issued.prefix(), view.accountId(), view.role(),
                    view.scopes(), view.expiresAt(), replaces, previousKeyEndsAt, view.appId());
        }
    }

    // ---- admins: any key ----

    @PostMapping("/admin/keys")
    @ResponseStatus(HttpStatus.CREATED)
    IssuedKeyResponse issue(@Valid @RequestBody AdminKeyRequest request,
                            @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        var issued = keys.issue(new ApiKeys.NewKey(request.name(), blankToNull(request.accountId()), request.role(),
                request.scopes(), request.expiresAt(), null, blankToNull(request.appId())), admin);
        return IssuedKeyResponse.of(issued, null, null);
    }

    @GetMapping("/admin/keys")
    List<ApiKeys.ApiKeyView> list(@RequestParam(required = false) String accountId) {
        return keys.list(blankToNull(accountId));
    }

    @GetMapping("/admin/keys/{keyId}")
    ApiKeys.ApiKeyView get(@PathVariable String keyId) {
        return keys.find(keyId).orElseThrow(KeysController::noSuchKey);
    }

    @PostMapping("/admin/keys/{keyId}/rotate")
    @ResponseStatus(HttpStatus.CREATED)
    IssuedKeyResponse rotate(@PathVariable String keyId, @RequestBody(required = false) RotateRequest request,
                             @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        keys.find(keyId).orElseThrow(KeysController::noSuchKey);
        return rotateKey(keyId, request, admin);
    }

    @DeleteMapping("/admin/keys/{keyId}")
    ApiKeys.ApiKeyView revoke(@PathVariable String keyId, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        keys.find(keyId).orElseThrow(KeysController::noSuchKey);
        return keys.revoke(keyId, admin);
    }

    @PostMapping("/admin/keys/{keyId}/revoke")
    ApiKeys.ApiKeyView revokeByPost(@PathVariable String keyId,
                                    @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        return revoke(keyId, admin);
    }

    // ---- every caller: the keys of its own account ----

    /**
     * A user key made with the caller's own: by default the caller's scopes and expiry (at most
     * {@code tollgate.auth.user-key-max-lifetime} from now); never more scopes, never a later end. It is bound
     * by the caller key's limits as well as its own, and revoked with it.
     */
    @PostMapping("/api/keys")
    @ResponseStatus(HttpStatus.CREATED)
    IssuedKeyResponse issueOwn(@Valid @RequestBody OwnKeyRequest request,
                               @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller) {
        String account = ownAccount(caller);
        Set<Scope> scopes;
        if (request.scopes() == null || request.scopes().isEmpty()) {
            scopes = EnumSet.copyOf(Scope.defaultsFor(Caller.Role.USER));
            scopes.retainAll(caller.scopes());
            if (scopes.isEmpty()) {
                throw GatewayException.badRequest("this caller has no scope a user key can have");
            }
        } else {
            scopes = request.scopes();
        }
        if (scopes.contains(Scope.ADMIN)) {
            throw GatewayException.badRequest("a key issued here cannot have the admin scope");
        }
        if (!caller.scopes().containsAll(scopes)) {
            throw new GatewayException(HttpStatus.FORBIDDEN, "permission_error", "insufficient_scope",
                    "A key cannot grant scopes its issuer lacks.");
        }
        Instant latest = Instant.now().plus(properties.userKeyMaxLifetime()).truncatedTo(ChronoUnit.SECONDS);
        Instant callerEnds = authority.callerEnds(caller);
        if (callerEnds != null && callerEnds.isBefore(latest)) {
            latest = callerEnds;
        }
        if (request.expiresAt() != null && request.expiresAt().isAfter(latest)) {
            throw GatewayException.badRequest("expiresAt must not be later than " + latest
                    + (latest.equals(callerEnds) ? ", when the key making it ends" : ", the longest a key made here lives"));
        }
        Instant expiresAt = request.expiresAt() != null ? request.expiresAt() : latest;
        String boundApp = authority.boundApp(caller);
        String appId = blankToNull(request.appId()) != null ? request.appId() : boundApp;
        if (boundApp != null && !boundApp.equals(appId)) {
            throw new GatewayException(HttpStatus.FORBIDDEN, "permission_error", "app_not_allowed",
                    "This key is bound to the app '" + boundApp + "': the keys it makes are bound to it too.");
        }
        var issued = keys.issue(new ApiKeys.NewKey(request.name(), account, Caller.Role.USER, scopes, expiresAt,
                caller.isJwt() ? null : caller.keyId(), appId), caller);
        return IssuedKeyResponse.of(issued, null, null);
    }

    @GetMapping("/api/keys")
    List<ApiKeys.ApiKeyView> listOwn(@RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller) {
        return keys.list(ownAccount(caller));
    }

    @GetMapping("/api/keys/{keyId}")
    ApiKeys.ApiKeyView getOwn(@PathVariable String keyId, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller) {
        return ownKey(keyId, caller);
    }

    @PostMapping("/api/keys/{keyId}/rotate")
    @ResponseStatus(HttpStatus.CREATED)
    IssuedKeyResponse rotateOwn(@PathVariable String keyId, @RequestBody(required = false) RotateRequest request,
                                @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller) {
        authority.requireWithin(ownKey(keyId, caller), caller);
        return rotateKey(keyId, request, caller);
    }

    @DeleteMapping("/api/keys/{keyId}")
    ApiKeys.ApiKeyView revokeOwn(@PathVariable String keyId, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller) {
        authority.requireWithin(ownKey(keyId, caller), caller);
        return keys.revoke(keyId, caller);
    }

    /** Who the caller is: its key (or token subject), account, role, scopes, and the app it acts for (or null). */
    record Me(String keyId, String accountId, Caller.Role role, Set<Scope> scopes, String appId) {
    }

    @GetMapping("/api/me")
    Me me(@RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller) {
        return new Me(caller.keyId(), caller.accountId(), caller.role(), caller.scopes(), caller.appId());
    }

    private IssuedKeyResponse rotateKey(String keyId, RotateRequest request, Caller actor) {
        Duration grace = request != null && request.graceSeconds() != null
                ? Duration.ofSeconds(request.graceSeconds()) : properties.rotationGrace();
        if (grace.isNegative() || grace.compareTo(properties.maxRotationGrace()) > 0) {
            throw GatewayException.badRequest("graceSeconds must be between 0 and "
                    + properties.maxRotationGrace().toSeconds());
        }
        var issued = keys.rotate(keyId, grace, actor);
        Instant endsAt = keys.find(keyId).map(ApiKeys.ApiKeyView::revokedAt).orElse(null);
        return IssuedKeyResponse.of(issued, keyId, endsAt);
    }

    private static String ownAccount(Caller caller) {
        if (caller.accountId() == null) {
            throw new GatewayException(HttpStatus.FORBIDDEN, "permission_error", "no_account",
                    "This caller belongs to no account; admins manage keys under /admin/keys.");
        }
        return caller.accountId();
    }

    /** Someone else's key answers exactly like a key that does not exist. */
    private ApiKeys.ApiKeyView ownKey(String keyId, Caller caller) {
        String account = ownAccount(caller);
        return keys.find(keyId).filter(key -> account.equals(key.accountId()))
                .orElseThrow(KeysController::noSuchKey);
    }

    private static GatewayException noSuchKey() {
        return GatewayException.notFound("key_not_found", "No such key.");
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
