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

    @Test
    void v2CiphertextsNameTheirKeyAndOpenUnderIt() {
        var vault = new SecretVault(K1);
        byte[] sealed = vault.encrypt(SECRET);

        assertThat(sealed[0]).isEqualTo((byte) 2);
        assertThat(SecretVault.keyIdOf(sealed)).isEqualTo(vault.currentKeyId()).hasSize(16);
        assertThat(vault.isCurrent(sealed)).isTrue();
        assertThat(vault.decrypt(sealed)).isEqualTo(SECRET);
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain(SECRET);
    }

    @Test
    void aPreviousKeyStillOpensWhatItSealedAndTheCurrentOneSealsNewSecrets() {
        byte[] underK1 = new SecretVault(K1).encrypt(SECRET);
        var rotated = new SecretVault(K2, " " + K1 + " ,");

        assertThat(rotated.decrypt(underK1)).isEqualTo(SECRET);
        assertThat(rotated.isCurrent(underK1)).isFalse();
        assertThat(rotated.previousKeyIds()).containsExactly(new SecretVault(K1).currentKeyId());
        byte[] underK2 = rotated.encrypt(SECRET);
        assertThat(rotated.isCurrent(underK2)).isTrue();
        assertThat(new SecretVault(K2).decrypt(underK2)).isEqualTo(SECRET);
        assertThatThrownBy(() -> new SecretVault(K1).decrypt(underK2))
                .isInstanceOf(SecretVault.VaultException.class)
                .hasMessageContaining(rotated.currentKeyId())
                .hasMessageNotContaining(SECRET).hasMessageNotContaining(K2);
    }

    @Test
    void v1CiphertextsOpenUnderAnyKnownKey() throws Exception {
        byte[] v1UnderK1 = v1(K1, SECRET);
        assertThat(new SecretVault(K1).decrypt(v1UnderK1)).isEqualTo(SECRET);
        assertThat(new SecretVault(K2, K1).decrypt(v1UnderK1)).isEqualTo(SECRET);
        assertThat(new SecretVault(K1).isCurrent(v1UnderK1)).isFalse();
        assertThatThrownBy(() -> new SecretVault(K2).decrypt(v1UnderK1))
                .isInstanceOf(SecretVault.VaultException.class).hasMessageNotContaining(SECRET);
    }

    @Test
    void aTamperedCiphertextFails() {
        var vault = new SecretVault(K2, K1);
        byte[] sealed = vault.encrypt(SECRET);
        for (int position : new int[]{5, 1 + 8 + 3, sealed.length - 1, sealed.length - 20}) {
            byte[] tampered = sealed.clone();
            tampered[position] ^= 0x01;
            assertThatThrownBy(() -> vault.decrypt(tampered)).as("byte " + position)
                    .isInstanceOf(SecretVault.VaultException.class).hasMessageNotContaining(SECRET);
        }
        // a key id swapped for another known key's id: the header is authenticated, so it fails too
        byte[] swapped = sealed.clone();
        byte[] k1Id = java.util.HexFormat.of().parseHex(new SecretVault(K1).currentKeyId());
        System.arraycopy(k1Id, 0, swapped, 1, 8);
        assertThatThrownBy(() -> vault.decrypt(swapped)).isInstanceOf(SecretVault.VaultException.class);
        assertThatThrownBy(() -> vault.decrypt(new byte[]{2, 1, 2})).isInstanceOf(SecretVault.VaultException.class);
        assertThatThrownBy(() -> vault.decrypt(new byte[]{9, 1, 2})).isInstanceOf(SecretVault.VaultException.class);
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

    static String key() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
