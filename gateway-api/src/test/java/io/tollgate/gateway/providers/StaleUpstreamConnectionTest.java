package io.tollgate.gateway.providers;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import io.tollgate.gateway.testing.TcpProxy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A provider (or a load balancer in front of it) may close a kept-alive connection while it sits in the pool; the
 * next call on it finds the connection gone before any answer and is sent once more on a new one.
 */
class StaleUpstreamConnectionTest extends GatewayTestBase {
    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    @Test
    void aCallOnAConnectionTheProviderClosedIsSentAgainOnANewOne() {
        try (TcpProxy toProvider = new TcpProxy("127.0.0.1", upstream.getPort())) {
            callTwiceDroppingConnectionsBetween(toProvider);
        }
    }

    private void callTwiceDroppingConnectionsBetween(TcpProxy toProvider) {
        GatewayHttp gateway = gateway();
        String provider = "wmstale" + Integer.toHexString(toProvider.port());
        gateway.registerProvider(provider, "http://127.0.0.1:" + toProvider.port() + "/v1", "sk-stale-0000");
        gateway.setRate(provider, "gpt-4o", "2.5", "10");
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(OpenAiWireFormat.COMPLETION)));
        var account = gateway.openAccountWithCredits("10");
        Map<String, Object> chat = Map.of("model", provider + "/gpt-4o", "max_tokens", 8,
                "messages", List.of(Map.of("role", "user", "content", "Hi")));

        GatewayHttp.Reply first = gateway.post(CHAT_PATH, account.key(), chat);
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        // Every relayed connection is closed from the provider's side; the gateway's pooled one is now dead.
        toProvider.restore();
        GatewayHttp.Reply second = gateway.post(CHAT_PATH, account.key(), chat);

        assertThat(second.status()).as(second.body()).isEqualTo(200);
        assertThat(second.json().path("choices").path(0).path("message").path("content").asText())
                .isEqualTo(first.json().path("choices").path(0).path("message").path("content").asText())
                .isNotEmpty();
        upstream.verify(2, postRequestedFor(urlEqualTo(CHAT_PATH)));
    }
}
