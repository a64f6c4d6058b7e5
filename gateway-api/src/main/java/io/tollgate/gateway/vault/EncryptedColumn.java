package io.tollgate.gateway.vault;

import java.util.regex.Pattern;

/**
 * A table column that holds vault ciphertexts, keyed by a text or numeric id column: what
 * {@link VaultRotation} re-encrypts. The provider credentials are built in; a feature that stores other
 * secrets declares a bean of this type.
 */
public record EncryptedColumn(String table, String idColumn, String ciphertextColumn) {
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)?");

    public static final EncryptedColumn PROVIDER_CREDENTIALS =
            new EncryptedColumn("gateway.provider_credentials", "id", "ciphertext");

    public EncryptedColumn {
        for (String name : new String[]{table, idColumn, ciphertextColumn}) {
            if (name == null || !IDENTIFIER.matcher(name).matches()) {
                throw new IllegalArgumentException("not a plain SQL identifier: " + name);
            }
        }
    }
}
