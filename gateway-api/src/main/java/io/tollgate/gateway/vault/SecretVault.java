package io.tollgate.gateway.vault;

import io.tollgate.gateway.hashing.Sha256;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encrypts provider secrets at rest with AES-256-GCM under a master key from the environment
 * (DESIGN.md I6), and decrypts them under that key or any previous one, so that the master key can be
 * rotated without downtime (see {@link VaultRotation}).
 * <p>
 * Ciphertext layouts:
 * <ul>
 *   <li>v3 (written): {@code 3 | key id (8 bytes) | IV (12 bytes) | ciphertext+tag}; the key id is the first
 *   8 bytes of SHA-256 of the master key. The GCM AAD is the version byte, the key id and the secret's
 *   context (for a provider credential: its table, provider and credential id, see
 *   {@link EncryptedColumn#context}), so a changed key id fails like a changed ciphertext, and a ciphertext
 *   copied to another row (another provider's credential, whose address an admin controls) does not open
 *   there.</li>
 *   <li>v2 (read only, written before issue 14): as v3 with version 2, the AAD without the context. The
 *   vault rotation re-seals v1 and v2 rows as v3 at start-up.</li>
 *   <li>v1 (read only, written before rotation existed): {@code 1 | IV (12 bytes) | ciphertext+tag}; tried
 *   with the current key, then with each previous one.</li>
 * </ul>
 * Exceptions never carry the secret or the key; only key ids (hash prefixes) are ever shown.
 */
@Component
public class SecretVault {
    private static final byte FORMAT_V1 = 1;
    private static final byte FORMAT_V2 = 2;
    private static final byte FORMAT_V3 = 3;
    private static final int KEY_ID_BYTES = 8;
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final int V2_HEADER = 1 + KEY_ID_BYTES;

    private final MasterKey current;
    /** Every known key by its id, the current one first. */
    private final Map<String, MasterKey> keys = new LinkedHashMap<>();
    private final SecureRandom random = new SecureRandom();

    /** A vault with one master key and no previous ones. */
    public SecretVault(String base64MasterKey) {
        this(base64MasterKey, "");
    }

    /**
     * @param base64MasterKey      the key new secrets are sealed under ({@code tollgate.vault.master-key},
     *                             env TOLLGATE_VAULT_MASTER_KEY)
     * @param base64PreviousKeys   comma-separated keys that only decrypt ({@code tollgate.vault.previous-master-keys},
     *                             env TOLLGATE_VAULT_PREVIOUS_MASTER_KEYS); may be empty
     */
    @Autowired
    public SecretVault(@Value("${tollgate.vault.master-key:}") String base64MasterKey,
                       @Value("${tollgate.vault.previous-master-keys:}") String base64PreviousKeys) {
        if (base64MasterKey == null || base64MasterKey.isBlank()) {
            throw new IllegalStateException("TOLLGATE_VAULT_MASTER_KEY is not set: the gateway needs a base64 "
                    + "256-bit key to encrypt provider credentials (./tollgate up generates one)");
        }
        this.current = MasterKey.parse(base64MasterKey, "TOLLGATE_VAULT_MASTER_KEY");
        keys.put(current.id(), current);
        if (base64PreviousKeys != null) {
            for (String previous : base64PreviousKeys.split(",")) {
                if (!previous.isBlank()) {
                    MasterKey key = MasterKey.parse(previous, "TOLLGATE_VAULT_PREVIOUS_MASTER_KEYS");
                    keys.putIfAbsent(key.id(), key);
                }
            }
        }
    }

    /** The id of the key new secrets are sealed under: hex of the first 8 bytes of its SHA-256. */
    public String currentKeyId() {
        return current.id();
    }

    /** The ids of the keys that only decrypt. */
    public List<String> previousKeyIds() {
        return new ArrayList<>(keys.keySet()).subList(1, keys.size());
    }

    public boolean hasPreviousKeys() {
        return keys.size() > 1;
    }

    /**
     * @param context what the secret belongs to ({@link EncryptedColumn#context}); the same context must be
     *                given to open it
     */
    public byte[] encrypt(String secret, String context) {
        byte[] iv = new byte[IV_BYTES];
        random.nextBytes(iv);
        byte[] header = ByteBuffer.allocate(V2_HEADER).put(FORMAT_V3).put(current.idBytes()).array();
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, current.spec(), new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(header);
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(V2_HEADER + IV_BYTES + sealed.length).put(header).put(iv).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new VaultException("cannot encrypt a secret", e);
        }
    }

    /** @param context what the secret belongs to, as it was sealed (ignored by the old v1 and v2 formats) */
    public String decrypt(byte[] stored, String context) {
        if (stored == null || stored.length == 0) {
            throw new VaultException("not a vault ciphertext");
        }
        return switch (stored[0]) {
            case FORMAT_V3 -> decryptKeyed(stored, context.getBytes(StandardCharsets.UTF_8));
            case FORMAT_V2 -> decryptKeyed(stored, new byte[0]);
            case FORMAT_V1 -> decryptV1(stored);
            default -> throw new VaultException("not a vault ciphertext (unknown format " + stored[0] + ")");
        };
    }

    /** Whether the ciphertext is in the current format under the current key, i.e. needs no re-encryption. */
    public boolean isCurrent(byte[] stored) {
        return stored != null && stored.length > V2_HEADER && stored[0] == FORMAT_V3
                && Arrays.equals(stored, 1, V2_HEADER, current.idBytes(), 0, KEY_ID_BYTES);
    }

    /** The id of the key a ciphertext was sealed under; "v1" for the old format, which does not say. */
    public static String keyIdOf(byte[] stored) {
        if (stored != null && stored.length > V2_HEADER && (stored[0] == FORMAT_V2 || stored[0] == FORMAT_V3)) {
            return HexFormat.of().formatHex(stored, 1, V2_HEADER);
        }
        return "v1";
    }

    private String decryptKeyed(byte[] stored, byte[] context) {
        if (stored.length <= V2_HEADER + IV_BYTES) {
            throw new VaultException("not a vault ciphertext (truncated)");
        }
        String keyId = keyIdOf(stored);
        MasterKey key = keys.get(keyId);
        if (key == null) {
            throw new VaultException("the secret was sealed under master key " + keyId
                    + ", which this instance does not know; add it to TOLLGATE_VAULT_PREVIOUS_MASTER_KEYS");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key.spec(), new GCMParameterSpec(TAG_BITS, stored, V2_HEADER, IV_BYTES));
            cipher.updateAAD(stored, 0, V2_HEADER);
            cipher.updateAAD(context);
            byte[] plain = cipher.doFinal(stored, V2_HEADER + IV_BYTES, stored.length - V2_HEADER - IV_BYTES);
            return new String(plain, StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new VaultException("cannot decrypt a secret sealed under master key " + keyId
                    + ": the ciphertext was tampered with or belongs to another row", null);
        }
    }

    private String decryptV1(byte[] stored) {
        if (stored.length <= 1 + IV_BYTES) {
            throw new VaultException("not a vault ciphertext (truncated)");
        }
        for (MasterKey key : keys.values()) {
            try {
                Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
                cipher.init(Cipher.DECRYPT_MODE, key.spec(), new GCMParameterSpec(TAG_BITS, stored, 1, IV_BYTES));
                byte[] plain = cipher.doFinal(stored, 1 + IV_BYTES, stored.length - 1 - IV_BYTES);
                return new String(plain, StandardCharsets.UTF_8);
            } catch (GeneralSecurityException e) {
                // not this key (or tampered): try the next one
            }
        }
        throw new VaultException("cannot decrypt a secret: none of the " + keys.size()
                + " known master keys opens it, or the ciphertext was tampered with", null);
    }

    /** What may be shown of a secret: its first and last four characters. */
    public static String mask(String secret) {
        if (secret == null || secret.length() <= 8) {
            return "****";
        }
        return secret.substring(0, 4) + "…" + secret.substring(secret.length() - 4);
    }

    /** A failure to seal or open a secret; its message never contains the secret or a key. */
    public static class VaultException extends IllegalStateException {
        VaultException(String message) {
            super(message);
        }

        VaultException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private record MasterKey(String id, byte[] idBytes, SecretKeySpec spec) {
        static MasterKey parse(String base64, String source) {
            byte[] key;
            try {
                key = Base64.getDecoder().decode(base64.trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(source + " must be base64-encoded 32-byte keys");
            }
            if (key.length != 32) {
                throw new IllegalStateException(source + " must be 32 bytes, base64-encoded");
            }
            byte[] idBytes = Arrays.copyOf(Sha256.of(key), KEY_ID_BYTES);
            return new MasterKey(HexFormat.of().formatHex(idBytes), idBytes, new SecretKeySpec(key, "AES"));
        }

        @Override
        public String toString() {
            return "MasterKey[id=" + id + "]";
        }
    }
}
