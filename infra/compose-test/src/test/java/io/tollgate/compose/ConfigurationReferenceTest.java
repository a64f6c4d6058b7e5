package io.tollgate.compose;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static io.tollgate.compose.Repository.APPS;
import static io.tollgate.compose.Repository.ROOT;
import static org.assertj.core.api.Assertions.assertThat;

/** docs/configuration.md names every environment variable the apps read, with the default they give it. */
class ConfigurationReferenceTest {
    private static final Path REFERENCE = ROOT.resolve("docs/configuration.md");

    @Test
    void everyVariableTheAppsReadIsDocumentedWithItsDefault() {
        String reference = Repository.text(REFERENCE);
        for (var app : APPS) {
            Map<String, String> read = app.variablesRead();
            assertThat(read).isNotEmpty();
            read.forEach((name, defaultValue) -> {
                assertThat(reference).as(name + " (read by " + app.service() + ") is in docs/configuration.md")
                        .contains("`" + name + "`");
                if (defaultValue != null && !defaultValue.isEmpty()) {
                    String row = rowOf(reference, name);
                    assertThat(row).as(name + "'s row gives its default " + defaultValue).contains(defaultValue);
                }
            });
        }
    }

    @Test
    void everyVariableOfTheComposeTemplateIsDocumented() {
        String reference = Repository.text(REFERENCE);
        Set<String> missing = new TreeSet<>();
        for (String name : ComposeFileTest.envFileNames(ROOT.resolve("infra/compose/.env.example"))) {
            if (!reference.contains("`" + name + "`")) {
                missing.add(name);
            }
        }
        assertThat(missing).as("variables of infra/compose/.env.example missing from docs/configuration.md").isEmpty();
    }

    @Test
    void everyTollgatePropertyPrefixOfTheAppsIsDocumented() {
        String reference = Repository.text(REFERENCE);
        Set<String> prefixes = new TreeSet<>();
        for (var app : APPS) {
            for (String line : Repository.text(app.config()).lines().toList()) {
                // The tollgate.* tree's second level (tollgate.vault, tollgate.chat, …) has a section each.
                if (line.matches("^  [a-z][a-z-]*:\\s*(#.*)?$") && isUnderTollgate(app, line)) {
                    String prefix = "tollgate." + line.trim().replaceAll(":.*", "");
                    prefixes.add(prefix);
                    assertThat(reference).as(prefix + " (" + app.configFile() + ")").contains("`" + prefix + ".");
                }
            }
        }
        assertThat(prefixes).as("the check saw the apps' tollgate.* sections")
                .contains("tollgate.vault", "tollgate.chat", "tollgate.telemetry", "tollgate.views");
    }

    /** Whether this two-space-indented key sits in the file's top-level {@code tollgate:} block. */
    private static boolean isUnderTollgate(Repository.App app, String line) {
        String text = Repository.text(app.config());
        int at = text.indexOf("\n" + line);
        int tollgate = text.lastIndexOf("\ntollgate:", at);
        if (tollgate < 0) {
            return false;
        }
        String between = text.substring(tollgate + 1, at + 1);
        return between.lines().skip(1).noneMatch(l -> l.matches("^[a-z].*"));
    }

    /** The reference's table row (or line) that names the variable first. */
    private static String rowOf(String reference, String name) {
        return reference.lines().filter(l -> l.contains("`" + name + "`")).findFirst().orElse("");
    }
}
