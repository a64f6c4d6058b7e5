package io.tollgate.gateway.testing;

import io.tollgate.gateway.GatewayApplication;
import io.tollgate.gateway.GatewayTestBase;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** Whole gateway instances of their own, on one topic, for tests of what several instances share. */
public final class GatewayInstances {
    private GatewayInstances() {
    }

    /** @param extraArgs further {@code --name=value} arguments for this instance, or replacements of the defaults */
    public static ConfigurableApplicationContext start(String topic, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of(
                "--server.port=0",
                "--management.server.port=0",
                "--spring.datasource.url=" + env("TOLLGATE_TEST_DB_URL", "jdbc:postgresql://127.0.0.1:5432/tollgate_test"),
                "--spring.kafka.bootstrap-servers=" + env("TOLLGATE_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
                "--tollgate.vault.master-key=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                "--tollgate.bootstrap.admin-key=" + GatewayTestBase.ADMIN_KEY,
                "--tollgate.ledger.partitions=2",
                "--tollgate.ledger.topic=" + topic,
                "--tollgate.ledger.publisher-name=kafka-publisher-instances-" + UUID.randomUUID(),
                "--tollgate.ledger.publish-from-start=false",
                "--spring.application.name=tollgate-gateway-" + UUID.randomUUID(),
                "--spring.jmx.enabled=false"));
        TestIdentity.gatewayProperties().forEach((name, value) -> args.add("--" + name + "=" + value));
        // An extra argument replaces the default of the same name (Spring would join both into a list).
        for (String extra : extraArgs) {
            String name = extra.substring(0, extra.indexOf('=') + 1);
            args.removeIf(arg -> arg.startsWith(name));
        }
        args.addAll(Arrays.asList(extraArgs));
        return GatewayApplication.builder().run(args.toArray(String[]::new));
    }

    public static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    public static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
