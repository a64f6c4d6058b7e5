package io.tollgate.views;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

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
}
