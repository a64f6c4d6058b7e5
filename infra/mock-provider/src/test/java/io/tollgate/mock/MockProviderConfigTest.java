package io.tollgate.mock;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MockProviderConfigTest {

    @Test
    void defaultsAreAnOpenQuietServer() {
        MockProviderConfig defaults = MockProviderConfig.defaults();

        assertThat(defaults.port()).isZero();
        assertThat(defaults.requiredApiKey()).isNull();
        assertThat(defaults.latencyMs()).isZero();
        assertThat(defaults.rate429() + defaults.rate500() + defaults.rateTimeout()).isZero();
        assertThat(defaults.timeoutHoldMs()).isEqualTo(30_000);
        assertThat(defaults.replyWords()).isEqualTo(12);
    }

    @Test
    void buildersAndWithersChangeOnlyTheirField() {
        MockProviderConfig built = MockProviderConfig.builder().latencyMs(5).rate500(0.5).build();

        assertThat(built).isEqualTo(MockProviderConfig.defaults().withLatencyMs(5).withRate500(0.5));
        assertThat(built.withSeed(3).toBuilder().seed(0).build()).isEqualTo(built);
    }

    @Test
    void refusesOutOfRangeValues() {
        MockProviderConfig defaults = MockProviderConfig.defaults();

        assertThatThrownBy(() -> defaults.withRate429(1.01)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> defaults.withRateTimeout(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> defaults.withLatencyMs(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> defaults.withPort(70_000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> defaults.withReplyWords(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
