package io.tollgate.gateway.credentials;

import io.tollgate.gateway.providers.ProviderRegistry;
import io.tollgate.gateway.providers.ProviderRegistry.CredentialView;
import io.tollgate.gateway.vault.EncryptedColumn;
import io.tollgate.gateway.vault.SecretVault;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Provider credentials in PostgreSQL ({@code gateway.provider_credentials}): secrets sealed by the vault,
 * weight, status and what went wrong last. Every change bumps the row's revision and drops this instance's
 * cached provider; other instances see it at their next registry refresh.
 */
@Component
public class CredentialStore {
    private static final Logger log = LoggerFactory.getLogger(CredentialStore.class);
    static final int MAX_WEIGHT = 1000;

    private final JdbcClient jdbc;
    private final SecretVault vault;
    private final ProviderRegistry registry;

    public CredentialStore(JdbcClient jdbc, SecretVault vault, ProviderRegistry registry) {
        this.jdbc = jdbc;
        this.vault = vault;
        this.registry = registry;
    }

    /** A stored credential with its secret decrypted: for testing it against the provider, never for showing. */
    public record StoredCredential(String id, String provider, String secret, String status, String disabledBy) {
        @Override
        public String toString() {
            return "StoredCredential[id=" + id + ", provider=" + provider + ", status=" + status + "]";
        }
    }

    public List<CredentialView> list(String provider) {
        return registry.credentialViews(provider);
    }

    public Optional<CredentialView> view(String provider, String id) {
        return jdbc.sql("select " + ProviderRegistry.CREDENTIAL_VIEW_COLUMNS
                        + " from gateway.provider_credentials where provider = ? and id = ?")
                .params(provider, id)
                .query(ProviderRegistry.CREDENTIAL_VIEW)
                .optional();
    }

    /** Stores a new active credential. */
    public CredentialView add(String provider, String name, String apiKey, int weight, boolean tested) {
        String id = ProviderRegistry.newCredentialId();
        jdbc.sql("""
                        insert into gateway.provider_credentials (id, provider, name, ciphertext, masked, weight, checked_at)
                        values (?, ?, ?, ?, ?, ?, case when ? then now() end)""")
                .params(id, provider, name, vault.encrypt(apiKey, EncryptedColumn.credentialContext(provider, id)),
                        SecretVault.mask(apiKey), weight, tested)
                .update();
        registry.invalidate(provider);
        return view(provider, id).orElseThrow();
    }

    /**
     * Changes what is given (null leaves it): the weight, the name, enabled (an enabled credential is active and
     * its disabled reason cleared; a disabled one is disabled by an admin).
     */
    public Optional<CredentialView> update(String provider, String id, Integer weight, String name, Boolean enabled) {
        String status = enabled == null ? "" : enabled
                ? ", status = 'active', disabled_by = null, disabled_reason = null, disabled_at = null"
                : ", status = 'disabled', disabled_by = 'admin', disabled_reason = 'Disabled by an admin.', "
                  + "disabled_at = case when status = 'disabled' and disabled_by = 'admin' then disabled_at else now() end";
        int updated = jdbc.sql("update gateway.provider_credentials set weight = coalesce(?::integer, weight), "
                        + "name = coalesce(?::text, name)" + status + ", revision = revision + 1 "
                        + "where provider = ? and id = ?")
                .params(weight, name, provider, id)
                .update();
        registry.invalidate(provider);
        return updated == 0 ? Optional.empty() : view(provider, id);
    }

    public boolean delete(String provider, String id) {
        int deleted = jdbc.sql("delete from gateway.provider_credentials where provider = ? and id = ?")
                .params(provider, id)
                .update();
        registry.invalidate(provider);
        return deleted == 1;
    }

    public Optional<StoredCredential> find(String provider, String id) {
        return jdbc.sql("select id, provider, ciphertext, status, disabled_by from gateway.provider_credentials "
                        + "where provider = ? and id = ?")
                .params(provider, id)
                .query((rs, n) -> new StoredCredential(rs.getString("id"), rs.getString("provider"),
                        vault.decrypt(rs.getBytes("ciphertext"), EncryptedColumn.credentialContext(
                                rs.getString("provider"), rs.getString("id"))),
                        rs.getString("status"), rs.getString("disabled_by")))
                .optional();
    }

    /** Disables an active credential because its provider refused it; false when it was not active. */
    public boolean disableRejected(String provider, String id, String reason) {
        try {
            int updated = jdbc.sql("""
                            update gateway.provider_credentials set status = 'disabled', disabled_by = 'provider',
                                disabled_reason = ?, disabled_at = now(), last_error = ?, last_error_at = now(),
                                checked_at = now(), revision = revision + 1
                            where provider = ? and id = ? and status = 'active'""")
                    .params(reason, reason, provider, id)
                    .update();
            registry.invalidate(provider);
            if (updated == 1) {
                log.warn("credential {} of provider {} disabled: {}", id, provider, reason);
            }
            return updated == 1;
        } catch (RuntimeException e) {
            log.warn("could not disable credential {} of provider {} ({}); the next refusal tries again", id, provider,
                    e.getClass().getSimpleName());
            return false;
        }
    }

    /** Re-enables a credential the provider had refused and now accepts; false when it is not in that state. */
    public boolean enableAfterCheck(String provider, String id) {
        int updated = jdbc.sql("""
                        update gateway.provider_credentials set status = 'active', disabled_by = null,
                            disabled_reason = null, disabled_at = null, checked_at = now(), revision = revision + 1
                        where provider = ? and id = ? and status = 'disabled' and disabled_by = 'provider'""")
                .params(provider, id)
                .update();
        registry.invalidate(provider);
        if (updated == 1) {
            log.info("credential {} of provider {} re-enabled: the provider accepts it again", id, provider);
        }
        return updated == 1;
    }

    /** Notes a test: when it ran and, if it failed, why. */
    public void recordCheck(String id, String error) {
        jdbc.sql("""
                        update gateway.provider_credentials set checked_at = now(),
                            last_error = coalesce(?::text, last_error),
                            last_error_at = case when ?::text is null then last_error_at else now() end
                        where id = ?""")
                .params(error, error, id)
                .update();
    }

    /**
     * Claims up to {@code limit} credentials disabled by their provider and not tested for {@code minAge}, by
     * stamping them as tested now: of several instances re-checking at once, each tests different ones.
     */
    public List<StoredCredential> claimForRecheck(Duration minAge, int limit) {
        return jdbc.sql("""
                        update gateway.provider_credentials c set checked_at = now()
                        where c.id in (select id from gateway.provider_credentials
                                       where status = 'disabled' and disabled_by = 'provider'
                                         and (checked_at is null or checked_at <= now() - make_interval(secs => ?))
                                       order by checked_at nulls first
                                       limit ?
                                       for update skip locked)
                        returning c.id, c.provider, c.ciphertext, c.status, c.disabled_by""")
                .params(minAge.toMillis() / 1000.0, limit)
                .query((rs, n) -> {
                    String secret;
                    try {
                        secret = vault.decrypt(rs.getBytes("ciphertext"), EncryptedColumn.credentialContext(
                                rs.getString("provider"), rs.getString("id")));
                    } catch (SecretVault.VaultException e) {
                        secret = null;
                    }
                    return new StoredCredential(rs.getString("id"), rs.getString("provider"), secret,
                            rs.getString("status"), rs.getString("disabled_by"));
                })
                .list();
    }

    /** Writes when credentials were last used and their last errors, as the pool collected them. */
    public void recordUsage(List<WeightedCredentialPool.Usage> usage) {
        for (WeightedCredentialPool.Usage use : usage) {
            if (use.lastUsed() != null) {
                jdbc.sql("""
                                update gateway.provider_credentials set last_used_at = ?
                                where id = ? and (last_used_at is null or last_used_at < ?)""")
                        .params(Timestamp.from(use.lastUsed()), use.credentialId(), Timestamp.from(use.lastUsed()))
                        .update();
            }
            if (use.lastErrorAt() != null) {
                jdbc.sql("""
                                update gateway.provider_credentials set last_error = ?, last_error_at = ?
                                where id = ? and (last_error_at is null or last_error_at < ?)""")
                        .params(use.lastError(), Timestamp.from(use.lastErrorAt()), use.credentialId(),
                                Timestamp.from(use.lastErrorAt()))
                        .update();
            }
        }
    }
}
