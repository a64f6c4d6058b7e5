package io.tollgate.events;

/**
 * Why a request is refused before anything is sent upstream, by the ledger or by the edge's limits. Each reason
 * carries the stable code a {@link RequestRejected} records and the HTTP status the client is answered with, so
 * that the aggregate's event and the edge's answer cannot disagree.
 */
public enum RefusalReason {
    /** The account has too little credit for the request; topping up helps. */
    INSUFFICIENT_CREDIT("insufficient_credit", 402),
    /** Not a matter of credit: topping up would not help. */
    ACCOUNT_CLOSED("account_closed", 403),
    /** A key's or account's spend budget for its period is used up. */
    BUDGET_EXHAUSTED("budget_exhausted", 402),
    RATE_LIMIT_TOKENS("rate_limit_tokens", 429),
    RATE_LIMIT_REQUESTS("rate_limit_requests", 429),
    CONCURRENCY_LIMIT("concurrency_limit", 429);

    private final String code;
    private final int httpStatus;

    RefusalReason(String code, int httpStatus) {
        this.code = code;
        this.httpStatus = httpStatus;
    }

    /** The {@link RequestRejected#reason()} and the error code the client reads. */
    public String code() {
        return code;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
