package io.tollgate.gateway.payments;

import io.tollgate.events.support.Credits;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Currency;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The credit packages an operator sells, in {@code gateway.credit_packages}. */
@Component
public class CreditPackages {
    private final JdbcClient jdbc;

    CreditPackages(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * @param unitAmount the price in the currency's smallest unit (cents), as Stripe takes it
     * @param currency   ISO 4217, lower case
     */
    public record CreditPackage(String id, String name, long creditsMicros, long unitAmount, String currency,
                                boolean active, Instant createdAt) {

        public BigDecimal credits() {
            return Credits.toCredits(creditsMicros);
        }

        /** The price in the currency's major unit: 9.99 for 999 cents. */
        public BigDecimal price() {
            return BigDecimal.valueOf(unitAmount, fractionDigits(currency));
        }
    }

    /** Stripe counts in the smallest unit of the currency: two decimals for most, none for JPY, KRW, … */
    static int fractionDigits(String currency) {
        int digits = Currency.getInstance(currency.toUpperCase(Locale.ROOT)).getDefaultFractionDigits();
        return Math.max(digits, 0);
    }

    /** False when a package with this id exists already. */
    boolean create(CreditPackage created, String createdBy) {
        return jdbc.sql("""
                        insert into gateway.credit_packages (id, name, credits_micros, unit_amount, currency, created_by)
                        values (?, ?, ?, ?, ?, ?) on conflict (id) do nothing""")
                .params(created.id(), created.name(), created.creditsMicros(), created.unitAmount(), created.currency(),
                        createdBy)
                .update() == 1;
    }

    List<CreditPackage> all() {
        return jdbc.sql("select " + COLUMNS + " from gateway.credit_packages order by unit_amount, id")
                .query(CreditPackages::row).list();
    }

    List<CreditPackage> active() {
        return jdbc.sql("select " + COLUMNS + " from gateway.credit_packages where active order by unit_amount, id")
                .query(CreditPackages::row).list();
    }

    Optional<CreditPackage> find(String id) {
        return jdbc.sql("select " + COLUMNS + " from gateway.credit_packages where id = ?").param(id)
                .query(CreditPackages::row).optional();
    }

    /** False for an unknown package; disabling twice is harmless. */
    boolean disable(String id) {
        return jdbc.sql("update gateway.credit_packages set active = false where id = ?").param(id).update() == 1;
    }

    private static final String COLUMNS = "id, name, credits_micros, unit_amount, currency, active, created_at";

    private static CreditPackage row(java.sql.ResultSet rs, int row) throws java.sql.SQLException {
        return new CreditPackage(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getString(5),
                rs.getBoolean(6), rs.getTimestamp(7).toInstant());
    }
}
