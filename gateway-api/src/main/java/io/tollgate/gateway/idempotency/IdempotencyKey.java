package io.tollgate.gateway.idempotency;

import io.tollgate.gateway.auth.Caller;

/**
 * A client's {@code Idempotency-Key}, scoped to whom it belongs to: two accounts may use the same key.
 *
 * @param scope the caller's account id, or {@code key:} and the API key id for a key without an account
 */
public record IdempotencyKey(String scope, String value) {
    static final int MAX_LENGTH = 255;

    static IdempotencyKey of(Caller caller, String value) {
        return new IdempotencyKey(caller.accountId() != null ? caller.accountId() : "key:" + caller.keyId(), value);
    }

    /** 1–255 printable ASCII characters (space to tilde): long enough for any UUID or hash, safe to log. */
    public static boolean isValid(String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
