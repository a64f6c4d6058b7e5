package io.tollgate.gateway.providers;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.tollgate.events.EventIds;
import io.tollgate.gateway.vault.SecretVault;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Providers and their credentials, decrypted once and kept briefly in memory for the hot path. */
@Component
public class ProviderRegistry {
    private final JdbcClient jdbc;
    private final SecretVault vault;
    private final LoadingCache<String, Optional<Provider>> providers;

    public ProviderRegistry(JdbcClient jdbc, SecretVault vault) {
        this.jdbc = jdbc;
        this.vault = vault;
        this.providers = Caffeine.newBuilder()
                .refreshAfterWrite(Duration.ofSeconds(5))
                .expireAfterWrite(Duration.ofMinutes(1))
                .build(this::load);
    }

    public record ProviderView(String name, String wireFormat, String baseUrl, boolean enabled,
                               List<CredentialView> credentials) {
    }

    public record CredentialView(String id, String masked) {
    }

    public Optional<Provider> find(String name) {
        return providers.get(name);
    }

    /** Creates or replaces a provider; its credential list becomes exactly the given key. */
    @Transactional
    public ProviderView register(String name, WireFormat wireFormat, URI baseUrl, String apiKey) {
        jdbc.sql("""
                        insert into gateway.providers (name, wire_format, base_url) values (?, ?, ?)
                        on conflict (name) do update set wire_format = excluded.wire_format,
                            base_url = excluded.base_url, enabled = true""")
                .params(name, wireFormat.name().toLowerCase(), baseUrl.toString())
                .update();
        jdbc.sql("delete from gateway.provider_credentials where provider = ?").param(name).update();
        jdbc.sql("insert into gateway.provider_credentials (id, provider, ciphertext, masked) values (?, ?, ?, ?)")
                .params("cred_" + EventIds.next(), name, vault.encrypt(apiKey), SecretVault.mask(apiKey))
                .update();
        providers.invalidate(name);
        return view(name).orElseThrow();
    }

    public List<ProviderView> list() {
        return jdbc.sql("select name from gateway.providers order by name").query(String.class).list().stream()
                .map(this::view).flatMap(Optional::stream).toList();
    }

    private Optional<ProviderView> view(String name) {
        List<CredentialView> credentials = jdbc.sql(
                        "select id, masked from gateway.provider_credentials where provider = ? order by created_at")
                .param(name)
                .query((rs, row) -> new CredentialView(rs.getString("id"), rs.getString("masked")))
                .list();
        return jdbc.sql("select name, wire_format, base_url, enabled from gateway.providers where name = ?")
                .param(name)
                .query((rs, row) -> new ProviderView(rs.getString("name"), rs.getString("wire_format"),
                        rs.getString("base_url"), rs.getBoolean("enabled"), credentials))
                .optional();
    }

    private Optional<Provider> load(String name) {
        List<Provider.Credential> credentials = jdbc.sql(
                        "select id, ciphertext from gateway.provider_credentials where provider = ? order by created_at")
                .param(name)
                .query((rs, row) -> new Provider.Credential(rs.getString("id"), vault.decrypt(rs.getBytes("ciphertext"))))
                .list();
        return jdbc.sql("select name, wire_format, base_url from gateway.providers where name = ? and enabled")
                .param(name)
                .query((rs, row) -> new Provider(rs.getString("name"), WireFormat.parse(rs.getString("wire_format")),
                        URI.create(rs.getString("base_url")), credentials))
                .optional();
    }
}
