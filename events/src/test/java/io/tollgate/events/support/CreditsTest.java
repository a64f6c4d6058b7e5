package io.tollgate.events.support;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CreditsTest {

    @Test
    void costRoundsUpToTheNextMicroCredit() {
        // 2.50 credits per million tokens = 2.5 micro-credits per token
        assertThat(Credits.costMicros(1, 2_500_000)).isEqualTo(3);
        assertThat(Credits.costMicros(2, 2_500_000)).isEqualTo(5);
        assertThat(Credits.costMicros(0, 2_500_000)).isZero();
        assertThat(Credits.costMicros(1_000_000, 2_500_000)).isEqualTo(2_500_000);
    }

    @Test
    void affordableTokensIsTheInverseOfCostRoundedDown() {
        assertThat(Credits.affordableTokens(5, 2_500_000)).isEqualTo(2);
        assertThat(Credits.costMicros(Credits.affordableTokens(5, 2_500_000), 2_500_000)).isLessThanOrEqualTo(5);
        assertThat(Credits.affordableTokens(0, 2_500_000)).isZero();
        assertThat(Credits.affordableTokens(10, 0)).isEqualTo(Integer.MAX_VALUE);
        assertThat(Credits.affordableTokens(Long.MAX_VALUE, 1)).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void creditsConvertExactlyOrNotAtAll() {
        assertThat(Credits.micros(new BigDecimal("12.345678"))).isEqualTo(12_345_678L);
        assertThat(Credits.toCredits(12_345_678L)).isEqualByComparingTo("12.345678");
        assertThatThrownBy(() -> Credits.micros(new BigDecimal("0.0000001"))).isInstanceOf(IllegalArgumentException.class);
    }
}
