package io.tollgate.gateway.upstream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ModelNamesTest {

    @Test
    void ordinaryNamesPass() {
        assertThat(ModelNames.acceptable("openai/gpt-4o")).isTrue();
        assertThat(ModelNames.acceptable("mock/模型-\uD83D\uDE00")).as("a pair of surrogates is one character").isTrue();
        assertThat(ModelNames.acceptable("m".repeat(256))).isTrue();
    }

    @Test
    void controlCharactersLoneSurrogatesAndLongNamesDoNot() {
        assertThat(ModelNames.acceptable("\u0000")).isFalse();
        assertThat(ModelNames.acceptable("gpt\n4o")).isFalse();
        assertThat(ModelNames.acceptable("gpt\u007f")).isFalse();
        assertThat(ModelNames.acceptable("bad\uD800")).isFalse();
        assertThat(ModelNames.acceptable("\uDC00bad")).isFalse();
        assertThat(ModelNames.acceptable("m".repeat(257))).isFalse();
        assertThat(ModelNames.acceptable("")).isFalse();
    }
}
