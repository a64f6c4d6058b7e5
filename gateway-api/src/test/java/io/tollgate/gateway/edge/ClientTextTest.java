package io.tollgate.gateway.edge;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClientTextTest {

    @Test
    void ordinaryNamesPass() {
        assertThat(ClientText.acceptable("openai/gpt-4o", ClientText.NAME_MAX)).isTrue();
        assertThat(ClientText.acceptable("mock/模型-\uD83D\uDE00", ClientText.NAME_MAX))
                .as("a pair of surrogates is one character").isTrue();
        assertThat(ClientText.acceptable("m".repeat(256), ClientText.NAME_MAX)).isTrue();
    }

    @Test
    void controlCharactersLoneSurrogatesAndLongNamesDoNot() {
        assertThat(ClientText.acceptable("\u0000", ClientText.NAME_MAX)).isFalse();
        assertThat(ClientText.acceptable("gpt\n4o", ClientText.NAME_MAX)).isFalse();
        assertThat(ClientText.acceptable("gpt\u007f", ClientText.NAME_MAX)).isFalse();
        assertThat(ClientText.acceptable("gpt\u0085", ClientText.NAME_MAX)).isFalse();
        assertThat(ClientText.acceptable("bad\uD800", ClientText.NAME_MAX)).isFalse();
        assertThat(ClientText.acceptable("\uDC00bad", ClientText.NAME_MAX)).isFalse();
        assertThat(ClientText.acceptable("m".repeat(257), ClientText.NAME_MAX)).isFalse();
        assertThat(ClientText.acceptable("", ClientText.NAME_MAX)).isFalse();
        assertThat(ClientText.acceptable(null, ClientText.NAME_MAX)).isFalse();
    }

    @Test
    void aRefusalNamesTheField() {
        assertThatThrownBy(() -> ClientText.require("displayName", "a\u0000b", ClientText.NAME_MAX))
                .hasMessage("'displayName' must not contain control characters.")
                .satisfies(e -> assertThat(((io.tollgate.gateway.errors.GatewayException) e).code())
                        .isEqualTo("invalid_display_name"));
        ClientText.require("reason", null, ClientText.TEXT_MAX);
    }

    @Test
    void aMessageQuotingTheClientIsMadePrintableAndCut() {
        assertThat(ClientText.printable("type 'a\u0000b\uD800' is not valid", 100)).isEqualTo("type 'a\uFFFDb\uFFFD' is not valid");
        assertThat(ClientText.printable("x".repeat(5000), 1024)).hasSize(1024);
        assertThat(ClientText.printable("\uD83D\uDE00".repeat(3), 5)).isEqualTo("\uD83D\uDE00\uD83D\uDE00");
        assertThat(ClientText.printable("fine", 10)).isEqualTo("fine");
    }
}
