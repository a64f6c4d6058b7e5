package io.tollgate.gateway.providers;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.tollgate.events.support.EventIds;
import io.tollgate.gateway.vault.EncryptedColumn;
import io.tollgate.gateway.vault.SecretVault;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionOperations;
import org.springframework.transaction.support.TransactionTemplate;

import java.net.URI;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Providers and their usable credentials, decrypted once and kept briefly in memory for the hot path: every
 * instance sees a change made elsewhere (a credential added, disabled, re-weighted) within about five seconds.
 */
@Component
public class ProviderRegistry {
    private static final Logger log = LoggerFactory.getLogger(ProviderRegistry.class);
    /** The columns {@link #CREDENTIAL_VIEW} reads. */
    public static final String CREDENTIAL_VIEW_COLUMNS = "id, name, masked, weight, status, disabled_by, "
            + "disabled_reason, last_error, last_error_at, last_used_at, checked_at, created_at";

    private final JdbcClient jdbc;
    private final SecretVault vault;
    private final UpstreamHosts hosts;
    private final TransactionOperations transactions;
    private final Set<String> disallowedReported = ConcurrentHashMap.newKeySet();
    private final LoadingCache<String, Optional<Provider>> providers;
    /**
     * The plaintexts last decrypted, by provider and credential id: an instance still running with an older
     * master-key list keeps serving credentials that another instance re-encrypted under a newer key (the
     * plaintext does not change) until it restarts with the new list.
     */
    private final Map<String, Map<String, String>> lastDecrypted = new ConcurrentHashMap<>();
    private final Set<String> undecryptableReported = ConcurrentHashMap.newKeySet();

    /** Another instance's registry, with every host allowed, that only reads (tests). */
    public ProviderRegistry(JdbcClient jdbc, SecretVault vault) {
        this(jdbc, vault, new UpstreamHosts(List.of()), TransactionOperations.withoutTransaction());
    }

    @Autowired
    public ProviderRegistry(JdbcClient jdbc, SecretVault vault, UpstreamHosts hosts,
                            PlatformTransactionManager transactionManager) {
        this(jdbc, vault, hosts, new TransactionTemplate(transactionManager));
    }

    /**
     * Registration runs in a transaction of its own making, not a {@code @Transactional} method: that would put
     * the whole registry behind a proxy, and every request's {@link #find} through its interceptor chain.
     */
    private ProviderRegistry(JdbcClient jdbc, SecretVault vault, UpstreamHosts hosts,
                             TransactionOperations transactions) {
        this.jdbc = jdbc;
        this.vault = vault;
        this.hosts = hosts;
        this.transactions = transactions;
        this.providers = Caffeine.newBuilder()
                .refreshAfterWrite(Duration.ofSeconds(5))
                .expireAfterWrite(Duration.ofMinutes(1))
                .build(this::load);
    }

    public record ProviderView(String name, String wireFormat, String baseUrl, boolean enabled,
                               List<CredentialView> credentials) {
    }

    /**
     * A credential as admins see it: never the secret, only its first and last four characters.
     *
     * @param status       active, cooling (this instance cut its weight after a 429 until
     *                     {@code coolingUntil}) or disabled
     * @param disabledBy   admin, or provider (it answered 401/403; re-checked periodically)
     */
    public record CredentialView(String id, String name, String masked, int weight, String status,
                                 String disabledBy, String disabledReason, String lastError, Instant lastErrorAt,
                                 Instant lastUsedAt, Instant checkedAt, Instant createdAt, Instant coolingUntil) {

        /** This instance's view on top of the stored one: its cool-down and a use not yet written. */
        public CredentialView withLocalState(Instant coolingUntil, Instant lastUsedLocally, String lastErrorLocally,
                                             Instant lastErrorAtLocally) {
            boolean cooling = coolingUntil != null && "active".equals(status);
            Instant used = later(lastUsedAt, lastUsedLocally);
            boolean newerError = lastErrorAtLocally != null && (lastErrorAt == null || lastErrorAtLocally.isAfter(lastErrorAt));
            return new CredentialView(id, name, masked, weight, cooling ? "cooling" : status, disabledBy,
                    disabledReason, newerError ? lastErrorLocally : lastError,
                    newerError ? lastErrorAtLocally : lastErrorAt, used, checkedAt, createdAt,
                    cooling ? coolingUntil : null);
        }

        private static Instant later(Instant a, Instant b) {
            if (a == null) {
                return b;
            }
            return b == null || a.isAfter(b) ? a : b;
        }
    }

    public static final RowMapper<CredentialView> CREDENTIAL_VIEW = (rs, row) -> new CredentialView(
            rs.getString("id"), rs.getString("name"), rs.getString("masked"), rs.getInt("weight"),
            rs.getString("status"), rs.getString("disabled_by"), rs.getString("disabled_reason"),
            rs.getString("last_error"), instant(rs, "last_error_at"), instant(rs, "last_used_at"),
            instant(rs, "checked_at"), instant(rs, "created_at"), null);

    /** The provider, if registered and enabled, with its active credentials. */
    public Optional<Provider> find(String name) {
        return providers.get(name);
    }

    /** Drops this instance's cached copy, so that the next {@link #find} reads the database. */
    public void invalidate(String name) {
        providers.invalidate(name);
    }

    /**
     * Creates or updates a provider. With an API key its credential list becomes exactly that key (weight 1);
     * without one it keeps its credentials, and must have at least one.
     */
    public ProviderView register(String name, WireFormat wireFormat, URI baseUrl, String apiKey) {
        ProviderView registered = transactions.execute(status -> store(name, wireFormat, baseUrl, apiKey));
        providers.invalidate(name);
        return registered;
    }

    private ProviderView store(String name, WireFormat wireFormat, URI baseUrl, String apiKey) {
        boolean replaceCredentials = apiKey != null && !apiKey.isBlank();
        if (!replaceCredentials) {
            long credentials = jdbc.sql("select count(*) from gateway.provider_credentials where provider = ?")
                    .param(name).query(Long.class).single();
            if (credentials == 0) {
                throw new IllegalArgumentException("apiKey is required: the provider '" + name
                        + "' has no credential yet");
            }
        }
        jdbc.sql("""
                        insert into gateway.providers (name, wire_format, base_url) values (?, ?, ?)
                        on conflict (name) do update set wire_format = excluded.wire_format,
                            base_url = excluded.base_url, enabled = true""")
                .params(name, wireFormat.name().toLowerCase(), baseUrl.toString())
                .update();
        if (replaceCredentials) {
            jdbc.sql("delete from gateway.provider_credentials where provider = ?").param(name).update();
            String credentialId = newCredentialId();
            jdbc.sql("insert into gateway.provider_credentials (id, provider, ciphertext, masked) values (?, ?, ?, ?)")
                    .params(credentialId, name, vault.encrypt(apiKey, EncryptedColumn.credentialContext(name, credentialId)),
                            SecretVault.mask(apiKey))
                    .update();
        }
        return view(name).orElseThrow();
    }

    public static String newCredentialId() {
        return "cred_" + EventIds.next();
    }

    public List<ProviderView> list() {
        return jdbc.sql("select name from gateway.providers order by name").query(String.class).list().stream()
                .map(this::view).flatMap(Optional::stream).toList();
    }

    /** The provider as stored, enabled or not, with all its credentials. */
    public Optional<ProviderView> view(String name) {
        List<CredentialView> credentials = credentialViews(name);
        return jdbc.sql("select name, wire_format, base_url, enabled from gateway.providers where name = ?")
                .param(name)
                .query((rs, row) -> new ProviderView(rs.getString("name"), rs.getString("wire_format"),
                        rs.getString("base_url"), rs.getBoolean("enabled"), credentials))
                .optional();
    }

    public List<CredentialView> credentialViews(String provider) {
        return jdbc.sql("select " + CREDENTIAL_VIEW_COLUMNS
                        + " from gateway.provider_credentials where provider = ? order by created_at, id")
                .param(provider)
                .query(CREDENTIAL_VIEW)
                .list();
    }

    private Optional<Provider> load(String name) {
        Map<String, String> previous = lastDecrypted.getOrDefault(name, Map.of());
        Map<String, String> decrypted = new HashMap<>();
        List<Provider.Credential> credentials = new ArrayList<>();
        jdbc.sql("""
                        select id, ciphertext, weight, revision from gateway.provider_credentials
                        where provider = ? and status = 'active' order by created_at, id""")
                .param(name)
                .query((ResultSet rs) -> {
                    String id = rs.getString("id");
                    String secret = open(name, id, rs.getBytes("ciphertext"), previous.get(id));
                    if (secret != null) {
                        decrypted.put(id, secret);
                        credentials.add(new Provider.Credential(id, secret, rs.getInt("weight"), rs.getLong("revision")));
                    }
                });
        Optional<Provider> provider = jdbc.sql(
                        "select name, wire_format, base_url from gateway.providers where name = ? and enabled")
                .param(name)
                .query((rs, row) -> new Provider(rs.getString("name"), WireFormat.parse(rs.getString("wire_format")),
                        URI.create(rs.getString("base_url")), List.copyOf(credentials)))
                .optional()
                .filter(this::atAllowedHost);
        if (provider.isPresent()) {
            lastDecrypted.put(name, decrypted);
        } else {
            lastDecrypted.remove(name);
        }
        return provider;
    }

    /** A provider stored at a host the allow-list no longer names is not called: its keys stay home. */
    private boolean atAllowedHost(Provider provider) {
        if (hosts.allowed(provider.baseUrl())) {
            disallowedReported.remove(provider.name());
            return true;
        }
        if (disallowedReported.add(provider.name())) {
            log.warn("provider {} is not called: its host {} is not in tollgate.upstream.allowed-hosts", provider.name(),
                    provider.baseUrl().getHost());
        }
        return false;
    }

    private String open(String provider, String id, byte[] ciphertext, String lastKnown) {
        try {
            String secret = vault.decrypt(ciphertext, EncryptedColumn.credentialContext(provider, id));
            undecryptableReported.remove(id);
            return secret;
        } catch (SecretVault.VaultException e) {
            if (undecryptableReported.add(id)) {
                log.warn("credential {} cannot be decrypted ({}); {}", id, e.getMessage(), lastKnown != null
                        ? "keeping the secret this instance decrypted before" : "it is not used on this instance");
            }
            return lastKnown;
        }
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp timestamp = rs.getTimestamp(column);
        return timestamp == null ? null : timestamp.toInstant();
    }
}
