package io.tollgate.views.projection.support;

/**
 * Text PostgreSQL would refuse, refused while folding already: a NUL character anywhere, and a value that is
 * part of an index key beyond its limit. Checked where a value is held across batches before it is written
 * (a rebuild's account, lease and usage rows), and live alike, so that the live consumer and a replay
 * dead-letter the same records.
 */
public final class Storable {
    /** Longest account, lease or request id the views take: each is part of a btree key (PostgreSQL: 2,704 bytes). */
    public static final int MAX_KEY_CHARS = 500;

    private Storable() {
    }

    /** @param maxChars 0 for no length limit */
    public static String check(String what, String value, int maxChars) {
        if (value == null) {
            return null;
        }
        if (maxChars > 0 && value.length() > maxChars) {
            throw new IllegalArgumentException(what + " is " + value.length() + " characters long; at most "
                    + maxChars + " are stored");
        }
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " contains a NUL character (0x00), which PostgreSQL does not store");
        }
        return value;
    }
}
