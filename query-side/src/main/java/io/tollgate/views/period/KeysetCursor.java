package io.tollgate.views.period;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Opaque keyset-pagination cursors: the sort key of the last row of a page, base64url-encoded so that
 * clients pass it back unchanged instead of building it themselves.
 */
public final class KeysetCursor {
    public static final String NEXT_HEADER = "X-Next-Cursor";

    private KeysetCursor() {
    }

    public static String encode(String... parts) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(String.join("\n", parts).getBytes(StandardCharsets.UTF_8));
    }

    public static String[] decode(String cursor, int parts) {
        try {
            String[] decoded = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\n", -1);
            if (decoded.length != parts) {
                throw new IllegalArgumentException();
            }
            return decoded;
        } catch (IllegalArgumentException e) {
            throw Period.badRequest("not a cursor of this list: " + cursor);
        }
    }
}
