package io.tollgate.e2e;

import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.mock.MockProviderConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in a real browser: the whole system in this JVM (mock provider, query side, gateway
 * serving the built UI at "/"), data prepared through the admin API, then {@code ui/e2e/run.mjs}
 * drives Debian's Chromium with playwright-core through sign-in, a streamed playground reply, Usage
 * and Billing showing it, a key created and revoked, and a rate changed as admin. Screenshots of every
 * page land in {@code target/screenshots/}. Chromium is required: without it this test fails and says
 * how to install it ({@code ./tollgate test} installs it).
 */
class UiEndToEndTest {
    private static final Path CHROMIUM = Path.of(TollgateSystem.env("CHROMIUM", "/usr/bin/chromium"));
    private static final Path UI_DIR = Path.of("..", "..", "ui").toAbsolutePath().normalize();
    private static final Path SCREENSHOTS = Path.of("target", "screenshots").toAbsolutePath();
    private static final long TIMEOUT_MINUTES = 5;
    private static final String PROVIDER = "uimock";
    private static final String MODEL = PROVIDER + "/gpt-4o";

    private static TollgateSystem system;
    private static GatewayHttp gateway;
    private static String gatewayUrl;

    @BeforeAll
    static void startTheSystem() {
        // Chunks 120 ms apart, so that the browser sees the reply arrive piece by piece.
        system = TollgateSystem.start("ui-e2e", MockProviderConfig.defaults().withChunkDelayMs(120));
        gateway = system.gateway;
        gatewayUrl = system.gatewayUrl;
        // A provider of its own, so that the rate this test changes is no other test's.
        gateway.registerProvider(PROVIDER, system.mock.baseUrl() + "/v1", "mock-provider-key");
        gateway.setRate(PROVIDER, "gpt-4o", "2.5", "10");
    }

    @AfterAll
    static void stopTheSystem() {
        if (system != null) {
            system.close();
        }
    }

    @Test
    void theDashboardWorksEndToEndInChromium() throws Exception {
        assertThat(Files.isExecutable(CHROMIUM))
                .as("Chromium is needed at %s for the dashboard's end-to-end test: run ./tollgate test (it installs "
                        + "Debian's chromium package), or apt-get install chromium, or set CHROMIUM", CHROMIUM)
                .isTrue();
        Path script = UI_DIR.resolve("e2e/run.mjs");
        assertThat(script).as("the browser test script").exists();
        assertThat(UI_DIR.resolve("node_modules/playwright-core")).as("playwright-core (npm ci in ui/, which the ui module's build runs)").exists();
        // The gateway serves the built page at "/".
        var index = gateway.get("/", null);
        assertThat(index.status()).isEqualTo(200);
        assertThat(index.body()).contains("<div id=\"root\">");

        var account = gateway.openAccountWithCredits("100");
        Files.createDirectories(SCREENSHOTS);

        List<String> command = new ArrayList<>(List.of(TollgateSystem.env("NODE", "node"), script.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(UI_DIR.toFile())
                .redirectErrorStream(true);
        builder.environment().putAll(Map.of(
                "TOLLGATE_URL", gatewayUrl,
                "TOLLGATE_USER_KEY", account.key(),
                "TOLLGATE_ACCOUNT_ID", account.id(),
                "TOLLGATE_ADMIN_KEY", system.adminKey,
                "TOLLGATE_MODEL", MODEL,
                "SCREENSHOT_DIR", SCREENSHOTS.toString(),
                "CHROMIUM", CHROMIUM.toString()));
        Path output = Files.createTempFile("tollgate-ui-e2e", ".log");
        builder.redirectOutput(output.toFile());
        Process process = builder.start();
        boolean finished = process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES);
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        String log = read(output);
        System.out.println(log);
        assertThat(finished).as("run.mjs did not finish within %d minutes:%n%s", TIMEOUT_MINUTES, log).isTrue();
        assertThat(process.exitValue()).as("run.mjs failed:%n%s", log).isZero();
        assertThat(SCREENSHOTS.resolve("02-playground.png")).exists();
        assertThat(SCREENSHOTS.resolve("12-rates.png")).exists();
    }

    private static String read(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
