package io.tollgate.gateway.payments;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.events.support.Credits;
import io.tollgate.events.GrantSource;
import io.tollgate.ledger.api.Commands.ClawBackCredits;
import io.tollgate.ledger.api.Commands.GrantCredits;
import io.tollgate.ledger.api.Ledger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * What Stripe's webhook events do to the ledger. Both are exactly once however often Stripe delivers them:
 * a paid session is the grant {@code purchase_<session id>}, which the CreditAccount grants once per id; a
 * refund step is the adjustment {@code refund_<charge id>_<amount refunded so far>}, which it applies once
 * per id. The purchase row serialises the refunds of one payment and remembers how much was refunded already.
 */
@Component
class Purchases {
    static final String ACTOR = "stripe";
    private static final Logger log = LoggerFactory.getLogger(Purchases.class);

    private final Ledger ledger;
    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;

    Purchases(Ledger ledger, JdbcClient jdbc, PlatformTransactionManager transactionManager) {
        this.ledger = ledger;
        this.jdbc = jdbc;
        this.transactions = new TransactionTemplate(transactionManager);
    }

    /** @param outcome a stable word for the answer to Stripe and the tests */
    record Outcome(String outcome, String accountId, BigDecimal credits) {
        static Outcome ignored(String why) {
            return new Outcome(why, null, null);
        }
    }

    /** A Checkout Session opened for the account: a purchase waiting for its payment. */
    void opened(String sessionId, String accountId, CreditPackages.CreditPackage sold, String openedBy) {
        jdbc.sql("""
                        insert into gateway.credit_purchases (session_id, account_id, package_id, credits_micros,
                                                              unit_amount, currency, status, opened_by)
                        values (?, ?, ?, ?, ?, ?, 'open', ?) on conflict (session_id) do nothing""")
                .params(sessionId, accountId, sold.id(), sold.creditsMicros(), sold.unitAmount(), sold.currency(),
                        openedBy)
                .update();
    }

    /** {@code checkout.session.completed} (or its asynchronous payment succeeding): the package's credits, once. */
    Outcome paid(JsonNode session) {
        String sessionId = text(session, "id");
        if (sessionId == null) {
            return Outcome.ignored("not_a_session");
        }
        if (!"paid".equals(text(session, "payment_status"))) {
            // A delayed payment method: checkout.session.async_payment_succeeded follows once it is paid.
            return Outcome.ignored("awaiting_payment");
        }
        JsonNode metadata = session.path("metadata");
        String accountId = text(metadata, StripeCheckout.ACCOUNT_ID);
        String packageId = text(metadata, StripeCheckout.PACKAGE_ID);
        String credits = text(metadata, StripeCheckout.CREDITS);
        if (accountId == null || packageId == null || credits == null) {
            // The same Stripe account may sell other things; those sessions are none of ours.
            return Outcome.ignored("not_a_tollgate_purchase");
        }
        long micros = Credits.micros(new BigDecimal(credits));
        String paymentIntent = text(session, "payment_intent");
        String reference = paymentIntent != null ? paymentIntent : sessionId;
        String grantId = "purchase_" + sessionId;
        boolean grantedNow = ledger.grant(new GrantCredits(accountId, grantId, micros, GrantSource.PURCHASE,
                null, ACTOR, reference));
        long amount = session.path("amount_total").asLong(0);
        String currency = text(session, "currency");
        jdbc.sql("""
                        insert into gateway.credit_purchases (session_id, account_id, package_id, credits_micros,
                               unit_amount, currency, status, payment_intent, grant_id, paid_at)
                        values (:session, :account, :package, :micros, :amount, :currency, 'paid', :intent, :grant, now())
                        on conflict (session_id) do update set
                            status = case when credit_purchases.status = 'open' then 'paid' else credit_purchases.status end,
                            payment_intent = coalesce(credit_purchases.payment_intent, excluded.payment_intent),
                            grant_id = excluded.grant_id,
                            paid_at = coalesce(credit_purchases.paid_at, excluded.paid_at)""")
                .param("session", sessionId).param("account", accountId).param("package", packageId)
                .param("micros", micros).param("amount", amount).param("currency", currency == null ? "" : currency)
                .param("intent", paymentIntent).param("grant", grantId)
                .update();
        if (grantedNow) {
            log.info("granted {} purchased credits to {} for {}", Credits.toCredits(micros), accountId, reference);
        }
        return new Outcome(grantedNow ? "granted" : "already_granted", accountId, Credits.toCredits(micros));
    }

    /**
     * {@code charge.refunded}: Stripe says how much of the charge is refunded so far; the same share of the
     * purchased credits is taken back, as far as it is still unspent. Partial refunds each take their step.
     */
    Outcome refunded(JsonNode charge) {
        String chargeId = text(charge, "id");
        String paymentIntent = text(charge, "payment_intent");
        long amount = charge.path("amount").asLong(0);
        long refundedSoFar = charge.path("amount_refunded").asLong(0);
        if (chargeId == null || paymentIntent == null || amount <= 0 || refundedSoFar <= 0) {
            return Outcome.ignored("nothing_refunded");
        }
        return transactions.execute(status -> {
            record Purchase(String sessionId, String accountId, long creditsMicros, long amountRefunded) {
            }
            Purchase purchase = jdbc.sql("""
                            select session_id, account_id, credits_micros, amount_refunded from gateway.credit_purchases
                            where payment_intent = ? for update""")
                    .param(paymentIntent)
                    .query((rs, row) -> new Purchase(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)))
                    .optional().orElse(null);
            if (purchase == null) {
                return Outcome.ignored("not_a_tollgate_purchase");
            }
            if (refundedSoFar <= purchase.amountRefunded()) {
                return new Outcome("already_clawed_back", purchase.accountId(), Credits.toCredits(0));
            }
            long wanted = share(purchase.creditsMicros(), refundedSoFar, amount)
                    - share(purchase.creditsMicros(), purchase.amountRefunded(), amount);
            String currency = text(charge, "currency");
            String reason = "Stripe refund of " + refundedSoFar + " of " + amount + " "
                    + (currency == null ? "" : currency + " ") + "(smallest unit) on payment " + paymentIntent
                    + ", charge " + chargeId + ": purchased credits still unspent taken back";
            long taken = wanted <= 0 ? 0 : ledger.clawBack(new ClawBackCredits(purchase.accountId(), wanted, reason,
                    ACTOR, "refund_" + chargeId + "_" + refundedSoFar));
            jdbc.sql("""
                            update gateway.credit_purchases set amount_refunded = ?,
                                   clawed_back_micros = clawed_back_micros + ?,
                                   status = case when ? >= ? then 'refunded' else status end
                            where session_id = ?""")
                    .params(refundedSoFar, taken, refundedSoFar, amount, purchase.sessionId())
                    .update();
            log.info("refund on {}: {} of {} credits still unspent taken back from {}", paymentIntent,
                    Credits.toCredits(taken), Credits.toCredits(wanted), purchase.accountId());
            return new Outcome("clawed_back", purchase.accountId(), Credits.toCredits(taken));
        });
    }

    /** credits × refunded / amount, rounded down to the micro-credit. */
    static long share(long creditsMicros, long refunded, long amount) {
        return BigInteger.valueOf(creditsMicros).multiply(BigInteger.valueOf(Math.min(refunded, amount)))
                .divide(BigInteger.valueOf(amount)).longValueExact();
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isTextual() && !value.asText().isBlank() ? value.asText() : null;
    }
}
