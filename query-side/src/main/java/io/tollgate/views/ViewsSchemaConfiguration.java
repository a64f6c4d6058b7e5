package io.tollgate.views;

import org.flywaydb.core.Flyway;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import javax.sql.DataSource;

@Configuration(proxyBeanMethods = false)
class ViewsSchemaConfiguration {

    @Bean(initMethod = "migrate")
    Flyway viewsFlyway(DataSource dataSource) {
        return Flyway.configure()
                .dataSource(dataSource)
                .schemas("views")
                .createSchemas(true)
                .locations("classpath:db/views")
                // Migrations written on parallel branches land with interleaved version numbers; a database
                // that already ran a later one must still accept an earlier one instead of refusing to start.
                .outOfOrder(true)
                .load();
    }
}
