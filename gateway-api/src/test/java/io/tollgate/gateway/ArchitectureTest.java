package io.tollgate.gateway;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.tollgate.ledger.LedgerConfiguration;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RestController;

/** The HTTP edge: it reaches the ledger through its API and the views only over HTTP. */
@AnalyzeClasses(packages = "io.tollgate.gateway",
    importOptions = {ImportOption.DoNotIncludeTests.class, ArchitectureTest.NotGeneratedAtBuildTime.class})
class ArchitectureTest {

  /**
   * The bean definitions Spring's build-time AOT writes into target/classes when the jar is packaged ({@code
   * Foo__BeanDefinitions}, build-time proxies) register every bean, the ledger's too: they are the build's code, not
   * the gateway's, and a test run after {@code ./tollgate up} would otherwise find them.
   */
  static final class NotGeneratedAtBuildTime implements ImportOption {
    @Override
    public boolean includes(Location location) {
      return !location.contains("__") && !location.contains("$$SpringCGLIB$$");
    }
  }

  /**
   * What the command side offers its host: the package {@code io.tollgate.ledger.api} (commands and their
   * outcomes, the lease, request-event and {@code Ledger} interfaces, the health the probes read) and the
   * configuration to import. Everything else of {@code io.tollgate.ledger} (aggregates, the command bus, the
   * store, the publisher) is the ledger's own.
   */
  private static final DescribedPredicate<JavaClass> LEDGER_API =
      resideInAPackage("io.tollgate.ledger.api..").or(belongToAnyOf(LedgerConfiguration.class))
          .as("the ledger's API");

  @ArchTest
  static final ArchRule knowsNothingOfTheViews =
      noClasses()
          .that().resideInAPackage("io.tollgate.gateway..")
          .should().dependOnClassesThat().resideInAPackage("io.tollgate.views..");

  @ArchTest
  static final ArchRule reachesTheCommandSideOnlyThroughItsLedgerApi =
      noClasses()
          .that().resideInAPackage("io.tollgate.gateway..")
          .should().dependOnClassesThat(resideInAPackage("io.tollgate.ledger..").and(DescribedPredicate.not(LEDGER_API)))
          .because("the gateway sends commands and reads outcomes; how the ledger stores and commits them is its own");

  @ArchTest
  static final ArchRule noPackageCycles =
      slices().matching("io.tollgate.(**)").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule controllersDoNotTouchSql =
      noClasses()
          .that().areAnnotatedWith(RestController.class).or().areAnnotatedWith(Controller.class)
          .should().dependOnClassesThat().resideInAnyPackage("java.sql..", "javax.sql..", "org.springframework.jdbc..")
          .because("a controller translates HTTP; the SQL lives in the store it calls");
}
