package io.tollgate.gateway.edge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import io.tollgate.gateway.testing.RawHttpReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static org.assertj.core.api.Assertions.assertThat;

/** A client's connection carries as many chat calls as the client sends on it; Tomcat alone would close it at 100. */
class KeepAliveTest extends GatewayTestBase {
    private static final int CALLS = 150;

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    @Test
    void oneConnectionCarriesMoreThanAHundredChatCallsAndStaysOpen() throws Exception {
        GatewayHttp gateway = gateway();
        String provider = OpenAiWireFormat.servingCompletions(gateway, upstream, "wmkeepalive", "sk-keepalive-0000");
        var account = gateway.openAccountWithCredits("10");
        byte[] chat = new ObjectMapper().writeValueAsBytes(Map.of("model", provider + "/gpt-4o", "max_tokens", 8,
                "messages", List.of(Map.of("role", "user", "content", "Hi"))));
        byte[] request = ("POST " + CHAT_PATH + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + account.key()
                + "\r\nContent-Type: application/json\r\nContent-Length: " + chat.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);

        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", publicPort()), 5000);
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            for (int call = 1; call <= CALLS; call++) {
                out.write(request);
                out.write(chat);
                out.flush();
                RawHttpReply reply = RawHttpReply.read(in);
                assertThat(reply.status()).as("call %d: %s", call, reply.body()).isEqualTo(200);
                assertThat(reply.closesConnection()).as("call %d: %s", call, reply.headers()).isFalse();
            }
        }
        upstream.verify(CALLS, postRequestedFor(urlEqualTo(CHAT_PATH)));
    }
}
