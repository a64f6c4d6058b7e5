package io.tollgate.gateway.auth;

/**
 * Who is calling, resolved from a Tollgate API key.
 *
 * @param accountId null for an admin key that belongs to no account
 */
public record Caller(String keyId, String accountId, Role role) {
    public static final String REQUEST_ATTRIBUTE = "io.tollgate.gateway.auth.Caller";

    public enum Role { ADMIN, USER }

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }
}
