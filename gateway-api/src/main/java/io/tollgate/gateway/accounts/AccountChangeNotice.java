package io.tollgate.gateway.accounts;

import io.tollgate.gateway.auth.AuthInvalidation;
import io.tollgate.gateway.metering.CreditMeter;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Tells every instance that an account changed, on the channel that already carries key and limit changes, so
 * that instances metering it on leases stop at once rather than when their leases retire.
 */
@Component
class AccountChangeNotice {
    private final JdbcClient jdbc;

    AccountChangeNotice(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void announce(String accountId) {
        jdbc.sql("select pg_notify(?, ?)").params(AuthInvalidation.CHANNEL, CreditMeter.ACCOUNT_CHANGED + accountId)
                .query().singleRow();
    }
}
