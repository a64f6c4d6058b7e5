package io.tollgate.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tollgate.compose.Repository.APPS;
import static io.tollgate.compose.Repository.ROOT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * infra/compose/compose.yaml, read as Docker Compose would (no Docker engine runs here), checked against
 * what the apps actually read: every service's image or build (Dockerfile), ports, environment, volumes,
 * health checks and start order; the monitoring profile's Prometheus targets and Grafana provisioning.
 */
class ComposeFileTest {
    private static final Path COMPOSE_DIR = ROOT.resolve("infra/compose");
    /** {@code ${NAME}}, {@code ${NAME:-default}}, {@code ${NAME:?message}} as compose interpolates them. */
    private static final Pattern INTERPOLATION = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?}");
    private static final Set<String> CORE = Set.of("postgres", "kafka", "gateway", "query-side");
    private static final Set<String> MONITORING = Set.of("prometheus", "grafana");

    private static Map<String, Object> compose;
    private static Map<String, Map<String, Object>> services;
    private static String composeText;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void parse() {
        composeText = Repository.text(COMPOSE_DIR.resolve("compose.yaml"));
        compose = new Yaml().load(composeText);
        services = (Map<String, Map<String, Object>>) compose.get("services");
    }

    @Test
    void theSystemIsPostgresKafkaGatewayAndQuerySidePlusMonitoringInItsOwnProfile() {
        assertThat(services.keySet()).containsExactlyInAnyOrderElementsOf(union(CORE, MONITORING));
        for (String core : CORE) {
            assertThat(services.get(core)).as(core + " starts without a profile").doesNotContainKey("profiles");
        }
        for (String monitoring : MONITORING) {
            assertThat(list(services.get(monitoring).get("profiles"))).as(monitoring).containsExactly("monitoring");
        }
        assertThat(image("kafka")).startsWith("apache/kafka:");
        assertThat(image("postgres")).startsWith("postgres:");
        assertThat(image("prometheus")).startsWith("prom/prometheus:");
        assertThat(image("grafana")).startsWith("grafana/grafana");
    }

    @Test
    void everyServiceHasAPinnedImageOrABuildWhoseDockerfileExists() {
        services.forEach((name, service) -> {
            assertThat(service.containsKey("image") || service.containsKey("build")).as(name).isTrue();
            if (service.get("image") instanceof String image && !service.containsKey("build")) {
                assertThat(image).as(name + ": a pinned tag").matches("[a-z0-9./_-]+:[A-Za-z0-9._-]+")
                        .doesNotEndWith(":latest");
            }
        });
        for (var app : APPS) {
            Map<String, Object> build = map(services.get(app.service()).get("build"));
            Path context = COMPOSE_DIR.resolve(String.valueOf(build.get("context"))).normalize();
            assertThat(context).as(app.service() + " builds from the repository root").isEqualTo(ROOT);
            Path dockerfile = context.resolve(String.valueOf(build.get("dockerfile")));
            assertThat(dockerfile).as(app.service()).isRegularFile();
            assertThat(dockerfile).isEqualTo(ROOT.resolve(app.module()).resolve("Dockerfile"));
            checkDockerfile(app, Repository.text(dockerfile));
        }
        assertThat(ROOT.resolve(".dockerignore")).isRegularFile();
        assertThat(Repository.text(ROOT.resolve(".dockerignore")))
                .as("no build output, node_modules, local state or filled-in env file in the build context")
                .contains("**/target", "**/node_modules", ".tollgate", "infra/compose/.env");
    }

    /** Multi-stage, JRE at run time, non-root, Spring Boot's layers, the module's executable jar. */
    private static void checkDockerfile(Repository.App app, String dockerfile) {
        List<String> froms = dockerfile.lines().map(String::trim).filter(l -> l.startsWith("FROM ")).toList();
        assertThat(froms).as(app.module() + ": multi-stage").hasSizeGreaterThanOrEqualTo(2);
        assertThat(froms.getFirst().equals(froms.getLast())).isFalse();
        assertThat(froms.stream().filter(f -> f.contains(" AS build"))).as("a build stage").hasSize(1);
        assertThat(froms.getLast()).as("runs on a JRE").matches("FROM eclipse-temurin:2[15]-jre\\S*");
        assertThat(froms.stream().filter(f -> f.contains(" AS build")).findFirst().orElseThrow())
                .as("builds with a JDK").containsAnyOf("maven:", "-jdk");

        String runStage = dockerfile.substring(dockerfile.lastIndexOf("\nFROM "));
        List<String> users = runStage.lines().map(String::trim).filter(l -> l.startsWith("USER ")).toList();
        assertThat(users).as("a non-root user").hasSize(1);
        assertThat(users.getFirst()).doesNotContain("root").isNotEqualTo("USER 0").doesNotStartWith("USER 0:");

        String pom = Repository.text(ROOT.resolve(app.module()).resolve("pom.xml"));
        Matcher artifact = Pattern.compile("<artifactId>(tollgate-[a-z-]+)</artifactId>").matcher(
                pom.substring(pom.indexOf("</parent>")));
        assertThat(artifact.find()).isTrue();
        String classifier = pom.contains("<classifier>exec</classifier>") ? "-exec" : "";
        assertThat(dockerfile).as("the module's executable jar")
                .contains(app.module() + "/target/" + artifact.group(1) + "-*" + classifier + ".jar")
                .contains("-pl " + app.module() + " -am");
        assertThat(dockerfile).as("Spring Boot's layered jar")
                .contains("-Djarmode=tools").contains("extract --layers --launcher");
        for (String layer : List.of("dependencies", "spring-boot-loader", "snapshot-dependencies", "application")) {
            assertThat(runStage).contains("/extracted/" + layer + "/");
        }
        assertThat(runStage).contains("org.springframework.boot.loader.launch.JarLauncher")
                .contains("EXPOSE " + app.port())
                .contains("HEALTHCHECK");
        assertThat(ROOT.resolve("infra/docker/healthcheck.sh")).isRegularFile().isExecutable();
    }

    @Test
    void everyVariableTheAppsReadIsSetAndEverySetVariableIsRead() {
        for (var app : APPS) {
            Map<String, String> environment = environment(app.service());
            Map<String, String> read = app.variablesRead();
            assertThat(read).as(app.service() + " reads its database, broker and port from the environment")
                    .containsKeys("TOLLGATE_DB_URL", "TOLLGATE_KAFKA_BOOTSTRAP", app.portVariable(), app.addressVariable());
            assertThat(environment.keySet()).as(app.service() + ": every TOLLGATE_ variable its "
                    + app.configFile() + " or code reads is set (to a value or to a deliberate default)")
                    .containsAll(read.keySet());
            Set<String> mentioned = app.namesMentioned();
            assertThat(environment.keySet().stream().filter(k -> k.startsWith("TOLLGATE_")))
                    .as(app.service() + ": no variable the app does not read").allMatch(mentioned::contains);

            // Inside a container the app must listen on every interface, on the port compose publishes.
            assertThat(environment.get(app.addressVariable())).isEqualTo("0.0.0.0");
            assertThat(environment.get(app.portVariable())).isEqualTo(String.valueOf(app.port()));
            assertThat(list(services.get(app.service()).get("ports")))
                    .as(app.service() + " publishes its container port")
                    .anySatisfy(port -> assertThat(String.valueOf(port)).endsWith(":" + app.port()));
            // The actuator, Prometheus and OpenAPI are on a port of their own that is never published.
            assertThat(environment.get(app.managementPortVariable())).isEqualTo(String.valueOf(app.managementPort()));
            assertThat(list(services.get(app.service()).get("ports")))
                    .as(app.service() + " does not publish its management port")
                    .noneSatisfy(port -> assertThat(String.valueOf(port)).contains(String.valueOf(app.managementPort())));

            // Database and broker are the compose services, at their container ports.
            assertThat(environment.get("TOLLGATE_DB_URL")).isEqualTo("jdbc:postgresql://postgres:5432/"
                    + environment("postgres").get("POSTGRES_DB"));
            assertThat(environment.get("TOLLGATE_DB_USER")).isEqualTo(environment("postgres").get("POSTGRES_USER"));
            assertThat(environment.get("TOLLGATE_DB_PASSWORD")).isEqualTo(environment("postgres").get("POSTGRES_PASSWORD"));
            assertThat(environment("kafka").get("KAFKA_ADVERTISED_LISTENERS"))
                    .contains("://" + environment.get("TOLLGATE_KAFKA_BOOTSTRAP"));
        }
    }

    @Test
    void secretsComeFromTheEnvFileAndTheTemplateListsEveryVariable() {
        for (var service : services.keySet()) {
            environment(service).forEach((name, value) -> {
                if (name.matches(".*(KEY|KEYS|PASSWORD|TOKEN|SECRET)$")) {
                    assertThat(value).as(service + "." + name + " is interpolated, never written here")
                            .matches("\\$\\{[A-Z][A-Z0-9_]*(:[?-][^}]*)?}");
                }
            });
        }
        for (String required : List.of("TOLLGATE_VAULT_MASTER_KEY", "TOLLGATE_BOOTSTRAP_ADMIN_KEY", "TOLLGATE_DB_PASSWORD")) {
            assertThat(composeText).as(required + " must be given: compose refuses to start without it")
                    .contains("${" + required + ":?");
        }
        for (var app : APPS) {
            if (app.variablesRead().containsKey("TOLLGATE_INTERNAL_TOKEN")) {
                assertThat(environment(app.service()).get("TOLLGATE_INTERNAL_TOKEN")).startsWith("${TOLLGATE_INTERNAL_TOKEN:?");
            }
        }

        Set<String> interpolated = new TreeSet<>();
        Matcher m = INTERPOLATION.matcher(composeText);
        while (m.find()) {
            interpolated.add(m.group(1));
        }
        Set<String> template = envFileNames(COMPOSE_DIR.resolve(".env.example"));
        assertThat(template).as(".env.example lists every variable compose.yaml interpolates")
                .containsAll(interpolated);
        assertThat(interpolated).as("and nothing else").containsAll(template);
        assertThat(ROOT.resolve(".gitignore")).content().as("a filled-in env file is never committed")
                .containsPattern("(?m)^(infra/compose/)?\\.env$");
    }

    @Test
    void volumesAreNamedAndDeclaredAndBindMountsExist() {
        Map<String, Object> declared = map(compose.get("volumes"));
        Set<String> used = new TreeSet<>();
        services.forEach((name, service) -> {
            for (Object volume : list(service.get("volumes"))) {
                String source = String.valueOf(volume).split(":")[0];
                if (source.startsWith(".") || source.startsWith("/")) {
                    assertThat(COMPOSE_DIR.resolve(source).normalize()).as(name + " mounts " + source).exists();
                } else {
                    used.add(source);
                }
            }
        });
        assertThat(used).as("named volumes in use are declared").isEqualTo(declared.keySet());
        assertThat(volumeOf("postgres")).isEqualTo("postgres-data:/var/lib/postgresql/data");
        assertThat(volumeOf("kafka")).endsWith(":" + environment("kafka").get("KAFKA_LOG_DIRS"));
        assertThat(environment("kafka").get("KAFKA_PROCESS_ROLES")).as("KRaft").contains("controller").contains("broker");
    }

    @Test
    void everyServiceHasAHealthCheckAndStartsAfterWhatItNeedsIsHealthy() {
        services.forEach((name, service) -> {
            Map<String, Object> health = map(service.get("healthcheck"));
            assertThat(list(health.get("test"))).as(name + " health check").isNotEmpty();
            map(service.get("depends_on")).forEach((dependency, how) -> {
                assertThat(services).as(name + " depends on a service").containsKey(dependency);
                assertThat(map(how).get("condition")).as(name + " waits for " + dependency).isEqualTo("service_healthy");
                assertThat(map(services.get(dependency).get("healthcheck"))).isNotEmpty();
            });
        });
        assertThat(map(services.get("gateway").get("depends_on"))).containsKeys("postgres", "kafka");
        assertThat(map(services.get("query-side").get("depends_on"))).containsKeys("postgres", "kafka", "gateway");
        assertThat(map(services.get("grafana").get("depends_on"))).containsKey("prometheus");
        for (var app : APPS) {
            assertThat(list(map(services.get(app.service()).get("healthcheck")).get("test")))
                    .as(app.service() + " is healthy when its readiness probe (on its management port) says so")
                    .contains(String.valueOf(app.managementPort()), "/actuator/health/readiness");
            assertThat(Repository.text(app.config())).as("probes are enabled")
                    .contains("readiness:").contains("probes:");
        }
        assertThat(startOrder()).containsSubsequence("postgres", "gateway", "query-side")
                .containsSubsequence("kafka", "gateway", "prometheus", "grafana");
    }

    @Test
    void prometheusScrapesBothAppsAndGrafanaIsProvisionedWithTheTollgateDashboard() throws Exception {
        Map<String, Object> prometheus = new Yaml().load(Repository.text(COMPOSE_DIR.resolve("prometheus/prometheus.yml")));
        List<String> targets = new ArrayList<>();
        for (Object job : list(prometheus.get("scrape_configs"))) {
            assertThat(map(job).get("metrics_path")).isEqualTo("/actuator/prometheus");
            for (Object config : list(map(job).get("static_configs"))) {
                list(map(config).get("targets")).forEach(t -> targets.add(String.valueOf(t)));
            }
        }
        assertThat(targets).containsExactlyInAnyOrder(
                APPS.stream().map(app -> app.service() + ":" + app.managementPort()).toArray(String[]::new));
        for (var app : APPS) {
            assertThat(Repository.text(app.config())).as(app.service() + " exposes the prometheus endpoint")
                    .containsPattern("include: .*prometheus");
        }

        Map<String, Object> datasources = new Yaml().load(Repository.text(
                COMPOSE_DIR.resolve("grafana/provisioning/datasources/prometheus.yaml")));
        Map<String, Object> datasource = map(list(datasources.get("datasources")).getFirst());
        assertThat(datasource.get("url")).isEqualTo("http://prometheus:9090");
        Map<String, Object> providers = new Yaml().load(Repository.text(
                COMPOSE_DIR.resolve("grafana/provisioning/dashboards/tollgate.yaml")));
        String dashboardsPath = String.valueOf(map(map(list(providers.get("providers")).getFirst()).get("options")).get("path"));
        assertThat(list(services.get("grafana").get("volumes")))
                .contains("./grafana/dashboards:" + dashboardsPath + ":ro", "./grafana/provisioning:/etc/grafana/provisioning:ro");

        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(COMPOSE_DIR.resolve("grafana/dashboards/tollgate.json")));
        assertThat(dashboard.path("uid").asText()).isEqualTo("tollgate");
        List<String> expressions = new ArrayList<>();
        dashboard.path("panels").forEach(panel -> {
            assertThat(panel.path("datasource").path("uid").asText()).isEqualTo(datasource.get("uid"));
            panel.path("targets").forEach(target -> expressions.add(target.path("expr").asText()));
        });
        assertThat(String.join("\n", expressions)).contains(
                "http_server_requests_seconds_bucket", "gen_ai_client_token_usage_sum",
                "tollgate_credits_debited_microcredits_total", "gen_ai_client_operation_duration_seconds_bucket",
                "gen_ai_server_time_to_first_token_seconds_bucket", "tollgate_reservations_total",
                "tollgate_ledger_publication_backlog_events", "tollgate_views_consumer_lag");
    }

    /** Services in an order that starts every one after what it depends on; fails on a cycle. */
    private static List<String> startOrder() {
        List<String> order = new ArrayList<>();
        Set<String> left = new TreeSet<>(services.keySet());
        while (!left.isEmpty()) {
            String next = left.stream()
                    .filter(s -> order.containsAll(map(services.get(s).get("depends_on")).keySet()))
                    .findFirst().orElseThrow(() -> new AssertionError("depends_on has a cycle among " + left));
            order.add(next);
            left.remove(next);
        }
        return order;
    }

    private static String image(String service) {
        return String.valueOf(services.get(service).get("image"));
    }

    private static String volumeOf(String service) {
        return String.valueOf(list(services.get(service).get("volumes")).getFirst());
    }

    private static Map<String, String> environment(String service) {
        Object environment = services.get(service).get("environment");
        Map<String, String> result = new LinkedHashMap<>();
        if (environment instanceof Map<?, ?> entries) {
            entries.forEach((k, v) -> result.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
        } else {
            for (Object entry : list(environment)) {
                String[] kv = String.valueOf(entry).split("=", 2);
                result.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
        }
        return result;
    }

    static Set<String> envFileNames(Path file) {
        Set<String> names = new TreeSet<>();
        Repository.text(file).lines().map(String::trim)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .forEach(l -> names.add(l.substring(0, l.indexOf('='))));
        return names;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value == null ? Map.of() : (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value) {
        return value == null ? List.of() : (List<Object>) value;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }
}
