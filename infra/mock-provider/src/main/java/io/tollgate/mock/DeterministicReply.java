package io.tollgate.mock;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * The text every generation endpoint answers with: the words of a fixed sentence, cycled to the
 * configured length and cut at the request's max-token limit. One word is one output token.
 *
 * @param words     the reply words in order
 * @param truncated whether the max-token limit cut the reply short (finish reason "length" and alike)
 */
record DeterministicReply(List<String> words, boolean truncated) {

    static final String SENTENCE = "This is a deterministic reply from the Tollgate mock provider.";
    private static final String[] SENTENCE_WORDS = SENTENCE.split(" ");

    DeterministicReply {
        words = List.copyOf(words);
    }

    static DeterministicReply generate(int replyWords, OptionalInt maxTokens) {
        int length = replyWords;
        boolean truncated = false;
        if (maxTokens.isPresent() && maxTokens.getAsInt() < replyWords) {
            length = maxTokens.getAsInt();
            truncated = true;
        }
        List<String> words = new ArrayList<>(length);
        for (int i = 0; i < length; i++) {
            words.add(SENTENCE_WORDS[i % SENTENCE_WORDS.length]);
        }
        return new DeterministicReply(words, truncated);
    }

    String text() {
        return String.join(" ", words);
    }

    int outputTokens() {
        return words.size();
    }

    /** One piece per word, spaced so that concatenating the pieces gives exactly {@link #text()}. */
    List<String> streamPieces() {
        List<String> pieces = new ArrayList<>(words.size());
        for (int i = 0; i < words.size(); i++) {
            pieces.add(i == 0 ? words.get(i) : " " + words.get(i));
        }
        return pieces;
    }
}
