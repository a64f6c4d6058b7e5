package io.tollgate.gateway.vault;

import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.providers.Provider;
import io.tollgate.gateway.providers.ProviderRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.jdbc.core.simple.JdbcClient;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.tollgate.gateway.vault.SecretVaultTest.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Master-key rotation on the real PostgreSQL: secrets sealed under K1, an instance restarted with K2 and
 * previous K1 opens them, the rotation re-encrypts every row under K2 (compare-and-set, so a concurrent write
 * survives), and afterwards a vault with only K2 opens everything. The rows live in a table of the test's own,
 * so the shared gateway's credentials are never sealed under a key it does not know.
 */
class VaultRotationTest extends GatewayTestBase {
    private static final int ROWS = 250;   // more than two batches of 100
    /** The gateway's master key in these tests (GatewayTestBase). */
    private static final String APP_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    @Autowired
    JdbcClient jdbc;
    @Autowired
    VaultRotation rotation;
    @Autowired
    SecretVault appVault;

    private final String k1 = key();
    private final String k2 = key();
    private EncryptedColumn column;

    @BeforeEach
    void createTable() {
        String table = "gateway.vault_rotation_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        jdbc.sql("create table " + table + " (id text primary key, ciphertext bytea not null)").update();
        column = new EncryptedColumn(table, "id", "ciphertext");
    }

    @AfterEach
    void dropTable() {
        jdbc.sql("drop table if exists " + column.table()).update();
    }

    @Test
    void rotationReEncryptsEveryRowSoThatTheNewKeyAloneOpensThem() throws Exception {
        var underK1 = new SecretVault(k1);
        for (int i = 0; i < ROWS; i++) {
            // some rows still in the formats from before rotation existed and before the row was bound
            byte[] sealed = i % 5 == 0 ? SecretVaultTest.v1(k1, secret(i))
                    : i % 5 == 1 ? SecretVaultTest.v2(k1, secret(i)) : underK1.encrypt(secret(i), row(id(i)));
            jdbc.sql("insert into " + column.table() + " values (?, ?)").params(id(i), sealed).update();
        }

        // restarted with K2 current and K1 previous: everything still opens
        var rotating = new SecretVault(k2, k1);
        assertThat(readAll(rotating)).isEqualTo(expected());
        assertThatThrownBy(() -> new SecretVault(k2).decrypt(ciphertext(id(1)), row(id(1))))
                .isInstanceOf(SecretVault.VaultException.class);

        var report = rotation.rotate(column, rotating);
        assertThat(report.scanned()).isEqualTo(ROWS);
        assertThat(report.reencrypted()).isEqualTo(ROWS);
        assertThat(report.undecryptable()).isZero();
        assertThat(report.currentKeyId()).isEqualTo(rotating.currentKeyId());

        // K1 can be forgotten
        var onlyK2 = new SecretVault(k2);
        assertThat(readAll(onlyK2)).isEqualTo(expected());
        assertThat(jdbc.sql("select ciphertext from " + column.table()).query((rs, n) -> rs.getBytes(1)).list())
                .allSatisfy(sealed -> assertThat(onlyK2.isCurrent(sealed)).isTrue());

        // a second run finds nothing to do
        var again = rotation.rotate(column, onlyK2);
        assertThat(again.reencrypted()).isZero();
        assertThat(again.alreadyCurrent()).isEqualTo(ROWS);

        // tampering is still detected after rotation
        byte[] tampered = ciphertext(id(7)).clone();
        tampered[tampered.length - 3] ^= 0x40;
        assertThatThrownBy(() -> onlyK2.decrypt(tampered, row(id(7)))).isInstanceOf(SecretVault.VaultException.class)
                .hasMessageNotContaining(secret(7));
    }

    @Test
    void aWriteBetweenReadAndReEncryptionIsNeverOverwritten() {
        var underK1 = new SecretVault(k1);
        byte[] seen = underK1.encrypt("sk-before-the-concurrent-write-01", row("row"));
        jdbc.sql("insert into " + column.table() + " values ('row', ?)").param(seen).update();
        // another instance, still on K1, replaces the secret after the rotation read the row
        jdbc.sql("update " + column.table() + " set ciphertext = ? where id = 'row'")
                .param(underK1.encrypt("sk-after-the-concurrent-write-002", row("row"))).update();

        var rotating = new SecretVault(k2, k1);
        assertThat(rotation.reencrypt(column, rotating, "row", null, seen)).isEqualTo(VaultRotation.RowResult.CONFLICT);
        assertThat(rotating.decrypt(ciphertext("row"), row("row"))).isEqualTo("sk-after-the-concurrent-write-002");

        // the job reads a row it lost the race on again, and rotates what is there now
        var report = rotation.rotate(column, rotating);
        assertThat(report.reencrypted()).isEqualTo(1);
        assertThat(new SecretVault(k2).decrypt(ciphertext("row"), row("row"))).isEqualTo("sk-after-the-concurrent-write-002");
    }

    @Test
    void aRowNoKnownKeyOpensIsReportedAndLeftAlone() {
        byte[] foreign = new SecretVault(key()).encrypt("sk-sealed-under-an-unknown-key-1", row("foreign"));
        jdbc.sql("insert into " + column.table() + " values ('foreign', ?)").param(foreign).update();
        jdbc.sql("insert into " + column.table() + " values ('known', ?)").param(new SecretVault(k1).encrypt("sk-known-0000000001", row("known")))
                .update();

        var report = rotation.rotate(column, new SecretVault(k2, k1));
        assertThat(report.undecryptable()).isEqualTo(1);
        assertThat(report.undecryptableIds()).containsExactly("foreign");
        assertThat(report.reencrypted()).isEqualTo(1);
        assertThat(ciphertext("foreign")).isEqualTo(foreign);
        assertThat(report.toString()).doesNotContain("sk-sealed").doesNotContain("sk-known");
    }

    @Test
    void anInstanceStillOnTheOldKeyKeepsServingCredentialsItHoldsAfterTheyWereReEncrypted() {
        String provider = "vault" + UUID.randomUUID().toString().substring(0, 8);
        String secret = "sk-rotation-provider-key-0000001";
        var underK1 = new SecretVault(k1);
        jdbc.sql("insert into gateway.providers (name, wire_format, base_url) values (?, 'openai', 'http://127.0.0.1:1/v1')")
                .param(provider).update();
        jdbc.sql("insert into gateway.provider_credentials (id, provider, ciphertext, masked) values (?, ?, ?, ?)")
                .params("cred_" + provider, provider, underK1.encrypt(secret,
                        EncryptedColumn.credentialContext(provider, "cred_" + provider)), SecretVault.mask(secret)).update();
        try {
            var oldInstance = new ProviderRegistry(jdbc, underK1);
            assertThat(secrets(oldInstance.find(provider).orElseThrow())).containsExactly(secret);

            // a new instance (K2, previous K1) re-encrypts the row
            var rotating = new SecretVault(k2, k1);
            assertThat(rotation.reencrypt(EncryptedColumn.PROVIDER_CREDENTIALS, rotating, "cred_" + provider, provider,
                    ciphertext(EncryptedColumn.PROVIDER_CREDENTIALS, "cred_" + provider)))
                    .isEqualTo(VaultRotation.RowResult.REENCRYPTED);

            // the old instance reloads, cannot open the new ciphertext, and keeps the secret it had
            oldInstance.invalidate(provider);
            assertThat(secrets(oldInstance.find(provider).orElseThrow())).containsExactly(secret);
            // an old instance that never saw it does not use what it cannot open
            assertThat(new ProviderRegistry(jdbc, underK1).find(provider).orElseThrow().credentials()).isEmpty();
            // instances with the new key list open it
            assertThat(secrets(new ProviderRegistry(jdbc, new SecretVault(k2)).find(provider).orElseThrow()))
                    .containsExactly(secret);
        } finally {
            jdbc.sql("delete from gateway.providers where name = ?").param(provider).update();
        }
    }

    @Test
    void theAdminEndpointRotatesTheStoredCredentialsUnderTheGatewaysKey() {
        var gateway = gateway();
        String provider = "vaultapi" + UUID.randomUUID().toString().substring(0, 8);
        String secret = "sk-admin-rotation-key-000000001";
        gateway.registerProvider(provider, "http://127.0.0.1:1/v1", secret);
        // a credential from before rotation existed, in the old format under the gateway's key
        String id = jdbc.sql("select id from gateway.provider_credentials where provider = ?").param(provider)
                .query(String.class).single();
        jdbc.sql("update gateway.provider_credentials set ciphertext = ? where id = ?")
                .params(v1UnderAppKey(secret), id).update();

        var reply = gateway.post("/admin/vault/rotate", ADMIN_KEY, Map.of());
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().path("currentKeyId").asText()).isEqualTo(appVault.currentKeyId());
        assertThat(reply.json().path("reencrypted").asLong()).isPositive();
        assertThat(reply.body()).doesNotContain(secret);
        byte[] rotated = ciphertext(EncryptedColumn.PROVIDER_CREDENTIALS, id);
        assertThat(appVault.isCurrent(rotated)).isTrue();
        assertThat(appVault.decrypt(rotated, EncryptedColumn.credentialContext(provider, id))).isEqualTo(secret);

        var view = gateway.get("/admin/vault", ADMIN_KEY);
        assertThat(view.json().path("currentKeyId").asText()).isEqualTo(appVault.currentKeyId());
        assertThat(view.json().path("previousKeyIds")).isEmpty();
        assertThat(gateway.post("/admin/vault/rotate", "tg-not-a-key", Map.of()).status()).isIn(401, 403);
    }

    @Test
    void anInstanceStartingWithPreviousKeysReEncryptsInTheBackground() {
        String provider = "vaultboot" + UUID.randomUUID().toString().substring(0, 8);
        String secret = "sk-startup-rotation-key-0000001";
        // sealed under K1, which the restarted instance lists as previous; its current key is the gateway's
        jdbc.sql("insert into gateway.providers (name, wire_format, base_url) values (?, 'openai', 'http://127.0.0.1:1/v1')")
                .param(provider).update();
        jdbc.sql("insert into gateway.provider_credentials (id, provider, ciphertext, masked) values (?, ?, ?, ?)")
                .params("cred_" + provider, provider, new SecretVault(k1).encrypt(secret,
                        EncryptedColumn.credentialContext(provider, "cred_" + provider)), SecretVault.mask(secret))
                .update();
        try {
            var restarted = new SecretVault(APP_KEY, k1);
            var startup = new VaultRotation(jdbc, restarted,
                    new StaticListableBeanFactory().getBeanProvider(EncryptedColumn.class), 100);
            startup.rotateAtStartup();

            await().atMost(Duration.ofSeconds(20)).until(() ->
                    appVault.isCurrent(ciphertext(EncryptedColumn.PROVIDER_CREDENTIALS, "cred_" + provider)));
            assertThat(appVault.decrypt(ciphertext(EncryptedColumn.PROVIDER_CREDENTIALS, "cred_" + provider),
                    EncryptedColumn.credentialContext(provider, "cred_" + provider))).isEqualTo(secret);
        } finally {
            jdbc.sql("delete from gateway.providers where name = ?").param(provider).update();
        }
    }

    /**
     * Issue 14 item 5: a credential stored before ciphertexts were bound to their row still serves, and the
     * next start re-seals it bound (no previous master key needed), after which it still serves.
     */
    @Test
    void aCredentialFromBeforeTheBindingServesAndIsBoundAtTheNextStart() throws Exception {
        String provider = "vaultv2" + UUID.randomUUID().toString().substring(0, 8);
        String id = "cred_" + provider;
        String secret = "sk-stored-before-binding-000001";
        jdbc.sql("insert into gateway.providers (name, wire_format, base_url) values (?, 'openai', 'http://127.0.0.1:1/v1')")
                .param(provider).update();
        jdbc.sql("insert into gateway.provider_credentials (id, provider, ciphertext, masked) values (?, ?, ?, ?)")
                .params(id, provider, SecretVaultTest.v2(APP_KEY, secret), SecretVault.mask(secret)).update();
        try {
            assertThat(secrets(new ProviderRegistry(jdbc, appVault).find(provider).orElseThrow()))
                    .containsExactly(secret);

            new VaultRotation(jdbc, appVault, new StaticListableBeanFactory().getBeanProvider(EncryptedColumn.class),
                    100).rotateAtStartup();

            await().atMost(Duration.ofSeconds(20)).until(() ->
                    appVault.isCurrent(ciphertext(EncryptedColumn.PROVIDER_CREDENTIALS, id)));
            byte[] bound = ciphertext(EncryptedColumn.PROVIDER_CREDENTIALS, id);
            assertThat(bound[0]).isEqualTo((byte) 3);
            assertThat(secrets(new ProviderRegistry(jdbc, appVault).find(provider).orElseThrow()))
                    .containsExactly(secret);
            assertThatThrownBy(() -> appVault.decrypt(bound, EncryptedColumn.credentialContext("other", id)))
                    .isInstanceOf(SecretVault.VaultException.class);
        } finally {
            jdbc.sql("delete from gateway.providers where name = ?").param(provider).update();
        }
    }

    /**
     * Issue 14 item 5: whoever can write the table cannot move a stored key to a provider whose address they
     * chose: a ciphertext copied into another provider's credential row does not open there.
     */
    @Test
    void aCredentialsCiphertextOpensOnlyInItsOwnRow() {
        var gateway = gateway();
        String victim = "vaultaad" + UUID.randomUUID().toString().substring(0, 8);
        String attacker = "vaultaad" + UUID.randomUUID().toString().substring(0, 8);
        gateway.registerProvider(victim, "http://127.0.0.1:1/v1", "sk-victim-provider-key-00000001");
        gateway.registerProvider(attacker, "http://127.0.0.1:2/v1", "sk-attacker-own-key-000000000001");
        byte[] victimCiphertext = jdbc.sql("select ciphertext from gateway.provider_credentials where provider = ?")
                .param(victim).query((rs, n) -> rs.getBytes(1)).single();

        jdbc.sql("update gateway.provider_credentials set ciphertext = ? where provider = ?")
                .params(victimCiphertext, attacker).update();

        var freshInstance = new ProviderRegistry(jdbc, appVault);
        assertThat(freshInstance.find(attacker).orElseThrow().credentials()).isEmpty();
        assertThat(secrets(freshInstance.find(victim).orElseThrow())).containsExactly("sk-victim-provider-key-00000001");
    }

    private byte[] v1UnderAppKey(String secret) {
        try {
            return SecretVaultTest.v1(APP_KEY, secret);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, String> readAll(SecretVault vault) {
        return jdbc.sql("select id, ciphertext from " + column.table()).query(rs -> {
            Map<String, String> all = new java.util.TreeMap<>();
            while (rs.next()) {
                all.put(rs.getString("id"), vault.decrypt(rs.getBytes("ciphertext"), row(rs.getString("id"))));
            }
            return all;
        });
    }

    private String row(String id) {
        return column.context(null, id);
    }

    private Map<String, String> expected() {
        Map<String, String> all = new java.util.TreeMap<>();
        for (int i = 0; i < ROWS; i++) {
            all.put(id(i), secret(i));
        }
        return all;
    }

    private byte[] ciphertext(String id) {
        return ciphertext(column, id);
    }

    private byte[] ciphertext(EncryptedColumn column, String id) {
        return jdbc.sql("select ciphertext from " + column.table() + " where id = ?").param(id)
                .query((rs, n) -> rs.getBytes(1)).single();
    }

    private static String id(int i) {
        return "row-%04d".formatted(i);
    }

    private static String secret(int i) {
        return "sk-rotation-secret-%06d-abcdef".formatted(i);
    }

    private static List<String> secrets(Provider provider) {
        return provider.credentials().stream().map(Provider.Credential::secret).toList();
    }
}
