package io.tollgate.gateway.upstream;

import io.tollgate.events.support.Credits;
import jakarta.servlet.http.HttpServletResponse;

import java.math.BigDecimal;
import java.util.OptionalLong;

/**
 * What a call cost and what the account has left, in headers, on answers whose headers go out after the
 * settlement (JSON and binary answers; a stream's headers go out before its cost is known). The balance is
 * the one the instance sees without asking the ledger ({@link ReservedCall#balanceAfter()}).
 */
public final class CostHeaders {
    public static final String COST = "x-tollgate-cost";
    public static final String BALANCE = "x-tollgate-balance";

    private CostHeaders() {
    }

    public static void write(HttpServletResponse response, long debitedMicros, OptionalLong balanceMicros) {
        response.setHeader(COST, credits(debitedMicros));
        balanceMicros.ifPresent(balance -> response.setHeader(BALANCE, credits(balance)));
    }

    /** Plain decimal credits, as in every other credit amount of the API: 0.000148, never 1.48E-4. */
    public static String credits(long micros) {
        BigDecimal amount = Credits.toCredits(micros).stripTrailingZeros();
        return (amount.signum() == 0 ? BigDecimal.ZERO : amount).toPlainString();
    }
}
