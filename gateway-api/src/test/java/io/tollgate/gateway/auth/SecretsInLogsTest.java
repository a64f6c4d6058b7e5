package io.tollgate.gateway.auth;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import io.tollgate.gateway.testing.TestIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static io.tollgate.gateway.testing.OpenAiWireFormat.COMPLETION;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A whole run, with Tollgate's and Spring MVC's logging at DEBUG, through every place a secret passes:
 * the bootstrap admin key, provider keys (registered and used upstream), Tollgate keys (issued, used,
 * rotated, revoked, and wrong ones tried), JWTs (valid and refused), the views proxy's internal token,
 * the vault master key. The captured output must contain none of them.
 */
@ExtendWith(OutputCaptureExtension.class)
class SecretsInLogsTest extends GatewayTestBase {
    private static final String MASTER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private static final String PROVIDER_KEY = "sk-live-provider-secret-7c1e0b9a4d";

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    @Autowired
    LoggingSystem logging;

    @AfterEach
    void quieter() {
        logging.setLogLevel("io.tollgate", null);
        logging.setLogLevel("org.springframework.web", null);
        logging.setLogLevel("org.springframework.security", null);
    }

    @Test
    void noSecretReachesTheLog(CapturedOutput output) {
        logging.setLogLevel("io.tollgate", LogLevel.DEBUG);
        logging.setLogLevel("org.springframework.web", LogLevel.DEBUG);
        logging.setLogLevel("org.springframework.security", LogLevel.DEBUG);
        List<String> secrets = new ArrayList<>(List.of(ADMIN_KEY, MASTER_KEY, PROVIDER_KEY, TestIdentity.INTERNAL_TOKEN));
        GatewayHttp gateway = gateway();

        String provider = "wmsecret" + Integer.toHexString(upstream.getPort());
        gateway.registerProvider(provider, upstream.baseUrl() + "/v1", PROVIDER_KEY);
        gateway.setRate(provider, "gpt-4o", "2.5", "10");
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));
        var account = gateway.openAccountWithCredits("5");
        secrets.add(account.key());

        Map<String, Object> chat = Map.of("model", provider + "/gpt-4o", "max_tokens", 20,
                "messages", List.of(Map.of("role", "user", "content", "Hello")));
        assertThat(gateway.post(CHAT_PATH, account.key(), chat).status()).isEqualTo(200);
        assertThat(gateway.request("POST", "/v1/messages", null, chat, Map.of("x-api-key", account.key())).status())
                .isNotEqualTo(401);

        var issued = gateway.post("/api/keys", account.key(), Map.of("name", "second"));
        secrets.add(issued.json().path("key").asText());
        var rotated = gateway.post("/api/keys/" + issued.json().path("id").asText() + "/rotate", account.key(),
                Map.of("graceSeconds", 0));
        secrets.add(rotated.json().path("key").asText());
        gateway.delete("/api/keys/" + rotated.json().path("id").asText(), account.key());
        assertThat(gateway.post(CHAT_PATH, rotated.json().path("key").asText(), chat).status()).isEqualTo(401);

        String wrongKey = "tg-wrong-key-that-someone-pasted-0123456789abcdef";
        secrets.add(wrongKey);
        assertThat(gateway.get("/v1/models", wrongKey).status()).isEqualTo(401);

        String userToken = TestIdentity.userToken("erin", account.id());
        String adminToken = TestIdentity.adminToken("ops");
        String foreignToken = TestIdentity.sign(false, Map.of("sub", "mallory", "tollgate_role", "admin"),
                TestIdentity.ISSUER, TestIdentity.AUDIENCE, java.time.Instant.now().plusSeconds(60));
        secrets.addAll(List.of(userToken, adminToken, foreignToken));
        assertThat(gateway.post(CHAT_PATH, userToken, chat).status()).isEqualTo(200);
        assertThat(gateway.get("/admin/keys?accountId=" + account.id(), adminToken).status()).isEqualTo(200);
        assertThat(gateway.get("/admin/keys", foreignToken).status()).isEqualTo(401);
        gateway.get("/api/views/accounts/" + account.id() + "/balance", userToken);

        String log = output.getAll();
        assertThat(log).as("the run logged something at all").contains("admin action");
        for (String secret : secrets) {
            assertThat(log).as("a secret in the log").doesNotContain(secret);
            // nor its distinctive part without the prefix, nor a JWT's signature
            String tail = secret.substring(secret.length() - 16);
            assertThat(log).doesNotContain(tail);
        }
    }
}
