package io.tollgate.mock;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

class DeterministicReplyAndTokenCountTest {

    @Test
    void countsWhitespaceSeparatedWords() {
        assertThat(TokenCount.words("one two  three\tfour\nfive ")).isEqualTo(5);
        assertThat(TokenCount.words("  leading and trailing  ")).isEqualTo(3);
        assertThat(TokenCount.words("")).isZero();
        assertThat(TokenCount.words(null)).isZero();
    }

    @Test
    void inputTokensAreAtLeastOne() {
        assertThat(TokenCount.inputTokens(List.of())).isEqualTo(1);
        assertThat(TokenCount.inputTokens(List.of("   "))).isEqualTo(1);
        assertThat(TokenCount.inputTokens(List.of("a b", "c"))).isEqualTo(3);
    }

    @Test
    void cyclesTheSentenceToTheConfiguredLength() {
        DeterministicReply reply = DeterministicReply.generate(23, OptionalInt.empty());

        assertThat(reply.outputTokens()).isEqualTo(23);
        assertThat(reply.truncated()).isFalse();
        assertThat(reply.text()).isEqualTo(DeterministicReply.SENTENCE + " " + DeterministicReply.SENTENCE + " This is a");
    }

    @Test
    void theCapTruncatesOnlyWhenBelowTheReplyLength() {
        assertThat(DeterministicReply.generate(12, OptionalInt.of(2)))
                .isEqualTo(new DeterministicReply(List.of("This", "is"), true));
        assertThat(DeterministicReply.generate(12, OptionalInt.of(12)).truncated()).isFalse();
    }

    @Test
    void streamPiecesConcatenateToTheText() {
        DeterministicReply reply = DeterministicReply.generate(12, OptionalInt.empty());

        assertThat(reply.streamPieces()).startsWith("This", " is", " a");
        assertThat(String.join("", reply.streamPieces())).isEqualTo(reply.text());
    }
}
