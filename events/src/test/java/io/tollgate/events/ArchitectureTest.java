package io.tollgate.events;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The event catalogue is the contract every other module builds on, so it may lean on none of them. */
@AnalyzeClasses(packages = "io.tollgate.events", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule usesNoOtherTollgatePackage =
      noClasses()
          .that().resideInAPackage("io.tollgate.events..")
          .should().dependOnClassesThat(
              resideInAPackage("io.tollgate..").and(resideOutsideOfPackage("io.tollgate.events..")))
          .because("every module reads the events, so the events can read no module");

  @ArchTest
  static final ArchRule noPackageCycles =
      slices().matching("io.tollgate.(**)").should().beFreeOfCycles();
}
