package io.tollgate.gateway.aigne;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code tollgate.aigne.*}: what AIGNE Hub's user routes answer that Tollgate does not keep itself.
 *
 * @param paymentLink where an end user buys credits (env TOLLGATE_PAYMENT_LINK), answered by
 *                    {@code GET /api/user/credit/payment-link}; none: that route answers null, as AIGNE Hub does
 *                    with payments off
 */
@ConfigurationProperties("tollgate.aigne")
public record AigneProperties(String paymentLink) {
    public AigneProperties {
        paymentLink = paymentLink == null || paymentLink.isBlank() ? null : paymentLink.trim();
    }
}
