package io.tollgate.gateway.providers;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The provider host allow-list's entries: a host, a host and port, or every host below a domain. */
class UpstreamHostsTest {
    @Test
    void entriesMatchHostsPortsAndSubdomains() {
        var hosts = new UpstreamHosts(List.of(" API.openai.com ", "*.openai.azure.com", "127.0.0.1:8089", ""));

        assertThat(hosts.restricted()).isTrue();
        assertThat(hosts.allowed(URI.create("https://api.openai.com/v1"))).isTrue();
        assertThat(hosts.allowed(URI.create("https://api.openai.com:8443/v1"))).isTrue();
        assertThat(hosts.allowed(URI.create("https://east.openai.azure.com/openai"))).isTrue();
        assertThat(hosts.allowed(URI.create("http://127.0.0.1:8089/v1"))).isTrue();
        assertThat(hosts.allowed(URI.create("http://127.0.0.1:8090/v1"))).isFalse();
        assertThat(hosts.allowed(URI.create("https://api.openai.com.evil.example/v1"))).isFalse();
        assertThat(hosts.allowed(URI.create("https://openai.azure.com.evil.example/"))).isFalse();
        assertThat(hosts.allowed(URI.create("https://evilopenai.azure.com/"))).isFalse();
        assertThat(new UpstreamHosts(List.of()).allowed(URI.create("https://anywhere.example"))).isTrue();
    }
}
