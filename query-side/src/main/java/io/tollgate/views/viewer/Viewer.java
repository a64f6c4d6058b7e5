package io.tollgate.views.viewer;

/**
 * Who is reading, as the gateway vouches for it (it authenticated the caller and forwards the call with
 * the internal token). The account is the boundary of what a user sees; the key id is informational.
 *
 * @param accountId null for an admin without an account
 * @param keyId     null unless the caller authenticated with an API key
 */
public record Viewer(Role role, String accountId, String keyId) {
    public static final String REQUEST_ATTRIBUTE = Viewer.class.getName();

    public enum Role { ADMIN, USER }

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }

    public boolean mayRead(String account) {
        return isAdmin() || (accountId != null && accountId.equals(account));
    }
}
