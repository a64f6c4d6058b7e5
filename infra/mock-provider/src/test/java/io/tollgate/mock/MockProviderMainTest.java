package io.tollgate.mock;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MockProviderMainTest {

    @Test
    void launchAnnouncesItsAddressAndAnswersHealth() {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        String[] args = {"--port", "0", "--api-key", "sk-cli", "--latency-ms", "1", "--chunk-delay-ms=2",
                "--rate-429", "0.25", "--rate-500", "0.5", "--rate-timeout", "0.125", "--timeout-hold-ms", "900",
                "--seed", "99", "--reply-words", "3"};

        try (MockProvider provider = MockProviderMain.launch(args, new PrintStream(output, true, StandardCharsets.UTF_8))) {
            String announcement = output.toString(StandardCharsets.UTF_8);
            Matcher address = Pattern.compile("mock provider listening on (http://127\\.0\\.0\\.1:(\\d+))\\R")
                    .matcher(announcement);
            assertThat(address.matches()).as("announcement was: %s", announcement).isTrue();
            assertThat(Integer.parseInt(address.group(2))).isEqualTo(provider.port());

            HttpResponse<String> health = MockProviderTestSupport.send(
                    HttpRequest.newBuilder(URI.create(address.group(1) + "/_mock/health")).build());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("UP");

            assertThat(provider.config()).isEqualTo(new MockProviderConfig(
                    provider.port(), "sk-cli", 1, 2, 0.25, 0.5, 0.125, 900, 99, 3));
        }
    }

    @Test
    void defaultsToPort8090() {
        assertThat(MockProviderMain.parseArguments(new String[0]))
                .isEqualTo(MockProviderConfig.defaults().withPort(8090));
    }

    @Test
    void refusesUnknownOptionsMissingValuesAndBadNumbers() {
        assertThatThrownBy(() -> MockProviderMain.parseArguments(new String[] {"--verbose", "yes"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--verbose");
        assertThatThrownBy(() -> MockProviderMain.parseArguments(new String[] {"--port"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> MockProviderMain.parseArguments(new String[] {"--latency-ms", "soon"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("integer");
        assertThatThrownBy(() -> MockProviderMain.parseArguments(new String[] {"--rate-500", "2"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rate500");
    }
}
