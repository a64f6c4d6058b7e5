package io.tollgate.gateway.vault;

import java.util.regex.Pattern;

/**
 * A table column that holds vault ciphertexts, keyed by a text or numeric id column: what
 * {@link VaultRotation} re-encrypts. The provider credentials are built in; a feature that stores other
 * secrets declares a bean of this type.
 *
 * @param ownerColumn null, or the column naming what a row belongs to (a credential's provider): part of each
 *                    ciphertext's {@link #context}, so that a ciphertext opens only in its own row
 */
public record EncryptedColumn(String table, String idColumn, String ciphertextColumn, String ownerColumn) {
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)?");

    public static final EncryptedColumn PROVIDER_CREDENTIALS =
            new EncryptedColumn("gateway.provider_credentials", "id", "ciphertext", "provider");

    public EncryptedColumn(String table, String idColumn, String ciphertextColumn) {
        this(table, idColumn, ciphertextColumn, null);
    }

    public EncryptedColumn {
        for (String name : ownerColumn == null ? new String[]{table, idColumn, ciphertextColumn}
                : new String[]{table, idColumn, ciphertextColumn, ownerColumn}) {
            if (name == null || !IDENTIFIER.matcher(name).matches()) {
                throw new IllegalArgumentException("not a plain SQL identifier: " + name);
            }
        }
    }

    /** The AES-GCM associated data of one row's ciphertext: table, owner (if any) and id. */
    public String context(Object owner, Object id) {
        return table + "|" + (ownerColumn == null ? "" : String.valueOf(owner)) + "|" + id;
    }

    /** The context of a provider credential's ciphertext. */
    public static String credentialContext(String provider, String credentialId) {
        return PROVIDER_CREDENTIALS.context(provider, credentialId);
    }
}
