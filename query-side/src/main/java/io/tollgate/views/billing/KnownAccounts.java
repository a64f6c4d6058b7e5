package io.tollgate.views.billing;

import io.tollgate.views.viewer.AccountNotFound;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Whether the views know an account at all: an empty list then means "nothing yet", never "no such account". */
@Component
public class KnownAccounts {
    private final JdbcClient jdbc;

    public KnownAccounts(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void require(String accountId) {
        boolean known = jdbc.sql("""
                        select exists (select 1 from views.accounts where account_id = :id)
                            or exists (select 1 from views.requests where account_id = :id)""")
                .param("id", accountId)
                .query(Boolean.class)
                .single();
        if (!known) {
            throw AccountNotFound.of(accountId);
        }
    }
}
