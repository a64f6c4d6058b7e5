package io.tollgate.compose;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The repository's files as the tests read them: the apps' configuration and sources, compose, docs. */
final class Repository {
    /** {@code ${TOLLGATE_X}} or {@code ${TOLLGATE_X:default}} in a Spring configuration file. */
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(TOLLGATE_[A-Z0-9_]+)(?::([^}]*))?}");
    /** {@code getenv("TOLLGATE_X")} in Java code. */
    private static final Pattern GETENV = Pattern.compile("getenv\\(\\s*\"(TOLLGATE_[A-Z0-9_]+)\"\\s*\\)");
    private static final Pattern ANY_NAME = Pattern.compile("\\b(TOLLGATE_[A-Z0-9_]+)\\b");

    static final Path ROOT = Path.of(System.getProperty("tollgate.root", "../..")).toAbsolutePath().normalize();

    /** An app of the compose file: its service, its configuration file and the modules of its code. */
    /** @param managementPort where the actuator, Prometheus and OpenAPI are: never the published port */
    record App(String service, String module, String configFile, List<String> codeModules, int port,
               String portVariable, String addressVariable, int managementPort, String managementPortVariable) {

        Path config() {
            return ROOT.resolve(module).resolve("src/main/resources").resolve(configFile);
        }

        /** Every TOLLGATE_ variable the app reads, with the default its configuration gives (null: none). */
        Map<String, String> variablesRead() {
            Map<String, String> read = new TreeMap<>(placeholders(config()));
            for (String codeModule : codeModules) {
                javaSources(codeModule).forEach(file -> {
                    Matcher m = GETENV.matcher(text(file));
                    while (m.find()) {
                        read.putIfAbsent(m.group(1), null);
                    }
                });
            }
            return read;
        }

        /** Every TOLLGATE_ name the app's configuration or code mentions (relaxed-binding names in javadoc too). */
        Set<String> namesMentioned() {
            Set<String> names = new TreeSet<>(variablesRead().keySet());
            for (String codeModule : codeModules) {
                javaSources(codeModule).forEach(file -> {
                    Matcher m = ANY_NAME.matcher(text(file));
                    while (m.find()) {
                        names.add(m.group(1));
                    }
                });
            }
            return names;
        }
    }

    static final App GATEWAY = new App("gateway", "gateway-api", "gateway.yml",
            List.of("gateway-api", "command-side", "events"), 8080, "TOLLGATE_GATEWAY_PORT", "TOLLGATE_GATEWAY_ADDRESS",
            8180, "TOLLGATE_GATEWAY_MANAGEMENT_PORT");
    static final App QUERY_SIDE = new App("query-side", "query-side", "query-side.yml",
            List.of("query-side", "events"), 8081, "TOLLGATE_QUERY_PORT", "TOLLGATE_QUERY_ADDRESS",
            8181, "TOLLGATE_QUERY_MANAGEMENT_PORT");
    static final List<App> APPS = List.of(GATEWAY, QUERY_SIDE);

    private Repository() {
    }

    static Map<String, String> placeholders(Path file) {
        Map<String, String> found = new TreeMap<>();
        Matcher m = PLACEHOLDER.matcher(text(file));
        while (m.find()) {
            found.put(m.group(1), m.group(2));
        }
        return found;
    }

    static List<Path> javaSources(String module) {
        Path main = ROOT.resolve(module).resolve("src/main/java");
        if (!Files.isDirectory(main)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(main)) {
            return files.filter(f -> f.toString().endsWith(".java")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
