package io.tollgate.ledger.expiry;

/**
 * One entry of the expiry schedule: a reservation (named by its request id) or a grant (named by its
 * grant id) of an account.
 */
record ExpiringItem(String accountId, Kind kind, String itemId) {

    enum Kind {
        RESERVATION("reservation"),
        GRANT("grant");

        /** The value of the table's kind column. */
        final String columnValue;

        Kind(String columnValue) {
            this.columnValue = columnValue;
        }

        static Kind ofColumnValue(String value) {
            for (Kind kind : values()) {
                if (kind.columnValue.equals(value)) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("unknown expiry kind " + value);
        }
    }

    static ExpiringItem reservation(String accountId, String requestId) {
        return new ExpiringItem(accountId, Kind.RESERVATION, requestId);
    }

    static ExpiringItem grant(String accountId, String grantId) {
        return new ExpiringItem(accountId, Kind.GRANT, grantId);
    }
}
