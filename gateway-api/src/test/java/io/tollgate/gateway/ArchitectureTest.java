package io.tollgate.gateway;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.tollgate.ledger.LedgerConfiguration;
import io.tollgate.ledger.commit.LedgerOutages;
import io.tollgate.ledger.audit.RecordAdminEvent;
import io.tollgate.ledger.commit.CommitHealth;
import io.tollgate.ledger.credits.AccountStateConflict;
import io.tollgate.ledger.credits.Commands;
import io.tollgate.ledger.credits.LeaseOutcome;
import io.tollgate.ledger.credits.ModelRate;
import io.tollgate.ledger.credits.ProviderAttempt;
import io.tollgate.ledger.credits.RepeatedWithOtherTerms;
import io.tollgate.ledger.credits.ReservationOutcome;
import io.tollgate.ledger.credits.SettlementOutcome;
import io.tollgate.ledger.credits.TokenUsage;
import io.tollgate.ledger.leases.CreditLeases;
import io.tollgate.ledger.publishing.LedgerTopicProperties;
import io.tollgate.ledger.rates.SetModelRate;
import io.tollgate.ledger.requests.RequestEventLog;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RestController;

/** The HTTP edge: it reaches the ledger through its API and the views only over HTTP. */
@AnalyzeClasses(packages = "io.tollgate.gateway", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  /**
   * What the command side offers its host: the configuration to import, the commands and their outcomes, the
   * lease and request-event interfaces the metering calls, and the health the probes read. Everything else of
   * {@code io.tollgate.ledger} (aggregates, the command bus, the store, the publisher) is the ledger's own.
   */
  private static final DescribedPredicate<JavaClass> LEDGER_API =
      belongToAnyOf(LedgerConfiguration.class, LedgerOutages.class, Commands.class, LeaseOutcome.class,
              ReservationOutcome.class, SettlementOutcome.class, TokenUsage.class, ModelRate.class,
              ProviderAttempt.class, AccountStateConflict.class, RepeatedWithOtherTerms.class, CreditLeases.class,
              SetModelRate.class, RecordAdminEvent.class, CommitHealth.class, RequestEventLog.class,
              LedgerTopicProperties.class)
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
