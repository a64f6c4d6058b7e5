package io.tollgate.gateway.vault;

import org.junit.jupiter.api.Test;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Ciphertext formats, key ids, previous keys and tampering, without a database. */
class SecretVaultTest {
    static final String K1 = key();
    static final String K2 = key();
    static final String SECRET = "sk-live-0123456789abcdefghij";
    static final String ROW = EncryptedColumn.credentialContext("openai", "cred_1");

    @Test
    void v3CiphertextsNameTheirKeyAndOpenUnderIt() {
        var vault = new SecretVault(K1);
        byte[] sealed = vault.encrypt(SECRET, ROW);

        assertThat(sealed[0]).isEqualTo((byte) 3);
        assertThat(SecretVault.keyIdOf(sealed)).isEqualTo(vault.currentKeyId()).hasSize(16);
        assertThat(vault.isCurrent(sealed)).isTrue();
        assertThat(vault.decrypt(sealed, ROW)).isEqualTo(SECRET);
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain(SECRET);
    }

    @Test
    void aCiphertextOpensOnlyForTheProviderAndCredentialItWasSealedFor() {
        var vault = new SecretVault(K1);
        byte[] sealed = vault.encrypt(SECRET, ROW);

        for (String elsewhere : new String[]{EncryptedColumn.credentialContext("evil", "cred_1"),
                EncryptedColumn.credentialContext("openai", "cred_2"), ""}) {
            assertThatThrownBy(() -> vault.decrypt(sealed, elsewhere)).as(elsewhere)
                    .isInstanceOf(SecretVault.VaultException.class).hasMessageNotContaining(SECRET);
        }
    }

    @Test
    void v2CiphertextsFromBeforeTheBindingStillOpenAndAreNotCurrent() throws Exception {
        byte[] legacy = v2(K1, SECRET);

        assertThat(new SecretVault(K1).decrypt(legacy, ROW)).isEqualTo(SECRET);
        assertThat(new SecretVault(K2, K1).decrypt(legacy, ROW)).isEqualTo(SECRET);
        assertThat(new SecretVault(K1).isCurrent(legacy)).isFalse();
        assertThat(SecretVault.keyIdOf(legacy)).isEqualTo(new SecretVault(K1).currentKeyId());
    }

    @Test
    void aPreviousKeyStillOpensWhatItSealedAndTheCurrentOneSealsNewSecrets() {
        byte[] underK1 = new SecretVault(K1).encrypt(SECRET, ROW);
        var rotated = new SecretVault(K2, " " + K1 + " ,");

        assertThat(rotated.decrypt(underK1, ROW)).isEqualTo(SECRET);
        assertThat(rotated.isCurrent(underK1)).isFalse();
        assertThat(rotated.previousKeyIds()).containsExactly(new SecretVault(K1).currentKeyId());
        byte[] underK2 = rotated.encrypt(SECRET, ROW);
        assertThat(rotated.isCurrent(underK2)).isTrue();
        assertThat(new SecretVault(K2).decrypt(underK2, ROW)).isEqualTo(SECRET);
        assertThatThrownBy(() -> new SecretVault(K1).decrypt(underK2, ROW))
                .isInstanceOf(SecretVault.VaultException.class)
                .hasMessageContaining(rotated.currentKeyId())
                .hasMessageNotContaining(SECRET).hasMessageNotContaining(K2);
    }

    @Test
    void v1CiphertextsOpenUnderAnyKnownKey() throws Exception {
        byte[] v1UnderK1 = v1(K1, SECRET);
        assertThat(new SecretVault(K1).decrypt(v1UnderK1, ROW)).isEqualTo(SECRET);
        assertThat(new SecretVault(K2, K1).decrypt(v1UnderK1, ROW)).isEqualTo(SECRET);
        assertThat(new SecretVault(K1).isCurrent(v1UnderK1)).isFalse();
        assertThatThrownBy(() -> new SecretVault(K2).decrypt(v1UnderK1, ROW))
                .isInstanceOf(SecretVault.VaultException.class).hasMessageNotContaining(SECRET);
    }

    @Test
    void aTamperedCiphertextFails() {
        var vault = new SecretVault(K2, K1);
        byte[] sealed = vault.encrypt(SECRET, ROW);
        for (int position : new int[]{5, 1 + 8 + 3, sealed.length - 1, sealed.length - 20}) {
            byte[] tampered = sealed.clone();
            tampered[position] ^= 0x01;
            assertThatThrownBy(() -> vault.decrypt(tampered, ROW)).as("byte " + position)
                    .isInstanceOf(SecretVault.VaultException.class).hasMessageNotContaining(SECRET);
        }
        // a key id swapped for another known key's id: the header is authenticated, so it fails too
        byte[] swapped = sealed.clone();
        byte[] k1Id = java.util.HexFormat.of().parseHex(new SecretVault(K1).currentKeyId());
        System.arraycopy(k1Id, 0, swapped, 1, 8);
        assertThatThrownBy(() -> vault.decrypt(swapped, ROW)).isInstanceOf(SecretVault.VaultException.class);
        // a v3 ciphertext relabelled v2 (whose AAD lacks the row): fails as well
        byte[] relabelled = sealed.clone();
        relabelled[0] = 2;
        assertThatThrownBy(() -> vault.decrypt(relabelled, ROW)).isInstanceOf(SecretVault.VaultException.class);
        assertThatThrownBy(() -> vault.decrypt(new byte[]{3, 1, 2}, ROW)).isInstanceOf(SecretVault.VaultException.class);
        assertThatThrownBy(() -> vault.decrypt(new byte[]{9, 1, 2}, ROW)).isInstanceOf(SecretVault.VaultException.class);
    }

    @Test
    void badKeysAreRefusedAtStartWithoutShowingThem() {
        assertThatThrownBy(() -> new SecretVault("")).hasMessageContaining("TOLLGATE_VAULT_MASTER_KEY");
        String short16 = Base64.getEncoder().encodeToString(new byte[16]);
        assertThatThrownBy(() -> new SecretVault(K1, short16))
                .hasMessageContaining("TOLLGATE_VAULT_PREVIOUS_MASTER_KEYS").hasMessageNotContaining(short16);
        assertThatThrownBy(() -> new SecretVault("not base64 !!")).hasMessageNotContaining("not base64");
    }

    @Test
    void masksShowFirstAndLastFour() {
        assertThat(SecretVault.mask(SECRET)).isEqualTo("sk-l…ghij");
        assertThat(SecretVault.mask("short")).isEqualTo("****");
    }

    /** Today's format before rotation existed: 1 | IV | ciphertext+tag, no key id, no AAD. */
    static byte[] v1(String base64Key, String secret) throws Exception {
        byte[] iv = new byte[12];
        new SecureRandom().nextBytes(iv);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(Base64.getDecoder().decode(base64Key), "AES"),
                new GCMParameterSpec(128, iv));
        byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.allocate(1 + 12 + sealed.length).put((byte) 1).put(iv).put(sealed).array();
    }

    /** The format before issue 14: 2 | key id | IV | ciphertext+tag, the AAD without the row. */
    static byte[] v2(String base64Key, String secret) throws Exception {
        byte[] key = Base64.getDecoder().decode(base64Key);
        byte[] keyId = java.util.Arrays.copyOf(java.security.MessageDigest.getInstance("SHA-256").digest(key), 8);
        byte[] header = ByteBuffer.allocate(9).put((byte) 2).put(keyId).array();
        byte[] iv = new byte[12];
        new SecureRandom().nextBytes(iv);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
        cipher.updateAAD(header);
        byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.allocate(9 + 12 + sealed.length).put(header).put(iv).put(sealed).array();
    }

    static String key() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
