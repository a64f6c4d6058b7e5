package io.tollgate.ledger.processing;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.DependsOn;
import org.springframework.jdbc.core.JdbcTemplate;

import javax.sql.DataSource;

/** What the command side's tracking processors share: the dead-letter table. */
@Configuration(proxyBeanMethods = false)
public class ProcessingConfiguration {

    /** The table comes with the ledger's Flyway migrations. */
    @Bean
    @DependsOn("ledgerFlyway")
    LedgerDeadLetters ledgerDeadLetters(DataSource dataSource) {
        return new LedgerDeadLetters(new JdbcTemplate(dataSource));
    }
}
