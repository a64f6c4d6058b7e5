package io.tollgate.ledger.expiry;

/**
 * One entry of the expiry schedule: a reservation (named by its request id), a grant (named by its
 * grant id) or a credit lease (named by its lease id) of an account.
 */
record ExpiringItem(String accountId, Kind kind, String itemId) {

    enum Kind {
        RESERVATION("reservation"),
        GRANT("grant"),
        LEASE("lease");

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

    static ExpiringItem lease(String accountId, String leaseId) {
        return new ExpiringItem(accountId, Kind.LEASE, leaseId);
    }

    static ExpiringItem grant(String accountId, String grantId) {
        return new ExpiringItem(accountId, Kind.GRANT, grantId);
    }
}
