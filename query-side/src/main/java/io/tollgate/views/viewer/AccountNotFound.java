package io.tollgate.views.viewer;

import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

/** The one answer for an account that does not exist and for one the viewer may not see. */
public final class AccountNotFound {
    private AccountNotFound() {
    }

    public static ResponseStatusException of(String accountId) {
        return new ResponseStatusException(HttpStatus.NOT_FOUND, "no account '" + accountId + "' in the views");
    }
}
