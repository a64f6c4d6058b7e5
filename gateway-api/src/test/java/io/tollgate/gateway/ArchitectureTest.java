package io.tollgate.gateway;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The HTTP edge: it reaches the ledger through its API and the views only over HTTP. */
@AnalyzeClasses(packages = "io.tollgate.gateway", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule knowsNothingOfTheViews =
      noClasses()
          .that().resideInAPackage("io.tollgate.gateway..")
          .should().dependOnClassesThat().resideInAPackage("io.tollgate.views..");
}
