package io.tollgate.ledger;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The command side owns the ledger; it knows the events and nothing of the edge or the views. */
@AnalyzeClasses(packages = "io.tollgate.ledger", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule knowsNeitherTheEdgeNorTheViews =
      noClasses()
          .that().resideInAPackage("io.tollgate.ledger..")
          .should().dependOnClassesThat().resideInAnyPackage("io.tollgate.gateway..", "io.tollgate.views..");

  @ArchTest
  static final ArchRule theApiIsAContractOfItsOwn =
      noClasses()
          .that().resideInAPackage("io.tollgate.ledger.api..")
          .should().dependOnClassesThat(
              resideInAPackage("io.tollgate.ledger..").and(resideOutsideOfPackage("io.tollgate.ledger.api..")))
          .because("the host compiles against the api alone; the aggregates, bus and store behind it may change");

  @ArchTest
  static final ArchRule noPackageCycles =
      slices().matching("io.tollgate.(**)").should().beFreeOfCycles();
}
