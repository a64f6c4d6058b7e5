package io.tollgate.gateway.chat;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param defaultMaxTokens   the output limit reserved for (and sent upstream) when a client sets none
 * @param minOutputTokens    a request that cannot afford this many output tokens is refused with 402
 */
@ConfigurationProperties("tollgate.chat")
record ChatProperties(@DefaultValue("4096") int defaultMaxTokens,
                             @DefaultValue("16") int minOutputTokens) {
}
