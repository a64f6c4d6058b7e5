package io.tollgate.views;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RestController;

/** The query side reads the events from the topic and nothing else of the system. */
@AnalyzeClasses(packages = "io.tollgate.views", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule touchesNothingOfTheLedgerOrTheGateway =
      noClasses()
          .that().resideInAPackage("io.tollgate.views..")
          .should().dependOnClassesThat().resideInAnyPackage("io.tollgate.ledger..", "io.tollgate.gateway..");

  @ArchTest
  static final ArchRule noPackageCycles =
      slices().matching("io.tollgate.(**)").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule controllersDoNotTouchSql =
      noClasses()
          .that().areAnnotatedWith(RestController.class).or().areAnnotatedWith(Controller.class)
          .should().dependOnClassesThat().resideInAnyPackage("java.sql..", "javax.sql..", "org.springframework.jdbc..")
          .because("a controller translates HTTP; the SQL lives in the store it calls");

  @ArchTest
  static final ArchRule projectionsArePureFolds =
      noClasses()
          .that().haveSimpleNameEndingWith("Projection").and().resideInAPackage("io.tollgate.views..")
          .should().dependOnClassesThat().resideInAnyPackage("java.sql..", "javax.sql..", "org.springframework..")
          .because("a projection folds events into rows; its writer holds the SQL");
}
