package io.tollgate.gateway.hashing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 of a byte string. Every chat request hashes its API key, so the digest is cloned from a prototype:
 * {@code MessageDigest.getInstance} looks the algorithm up among the security providers and builds it
 * reflectively, about 2 % of the gateway's CPU per chat request (JFR, docs/ledger.md).
 */
public final class Sha256 {
    private static final MessageDigest PROTOTYPE = newDigest();

    private Sha256() {
    }

    public static byte[] of(byte[] bytes) {
        try {
            return ((MessageDigest) PROTOTYPE.clone()).digest(bytes);
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's SHA-256 can be cloned", e);
        }
    }

    /** The hash of the text's UTF-8 bytes. */
    public static byte[] of(String text) {
        return of(text.getBytes(StandardCharsets.UTF_8));
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
