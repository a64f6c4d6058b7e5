package io.tollgate.gateway.providers;

import io.tollgate.gateway.GatewayTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.annotation.Autowired;

import java.net.URI;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class ProviderRegistryTest extends GatewayTestBase {
    @Autowired
    ProviderRegistry registry;

    /** Every chat request looks its provider up here; a proxy would put an interceptor chain on each lookup. */
    @Test
    void theRegistryTheRequestPathReadsIsNotBehindAProxy() {
        assertThat(AopUtils.isAopProxy(registry)).isFalse();
    }

    @Test
    void aRegistrationIsSeenAtOnceByTheInstanceThatMadeIt() {
        String name = "reg" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(registry.find(name)).isEmpty();

        var registered = registry.register(name, WireFormat.OPENAI, URI.create("http://127.0.0.1:9/v1"), "sk-reg-0000001");

        assertThat(registered.credentials()).hasSize(1);
        assertThat(registry.find(name)).hasValueSatisfying(provider -> {
            assertThat(provider.baseUrl()).isEqualTo(URI.create("http://127.0.0.1:9/v1"));
            assertThat(provider.credentials()).hasSize(1);
        });
    }
}
