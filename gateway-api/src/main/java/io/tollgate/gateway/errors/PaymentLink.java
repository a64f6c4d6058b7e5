package io.tollgate.gateway.errors;

import org.springframework.beans.factory.ObjectProvider;

/**
 * Where a caller refused for lack of credit can buy some: the {@code payment_link} of a 402's body. Provided
 * by the payments feature, so that the errors know of a link but not of Stripe.
 */
public interface PaymentLink {

    /** The Buy credits page, or null where credit cannot be bought. */
    String forLackOfCredit();

    static String of(ObjectProvider<PaymentLink> provider) {
        PaymentLink link = provider.getIfAvailable();
        return link == null ? null : link.forLackOfCredit();
    }
}
