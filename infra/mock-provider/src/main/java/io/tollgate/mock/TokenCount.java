package io.tollgate.mock;

import java.util.List;

/**
 * The mock's stand-in for a tokenizer: one whitespace-separated word is one token, so tests can
 * compute expected usage by hand.
 */
final class TokenCount {

    private TokenCount() {
    }

    static int words(String text) {
        if (text == null) {
            return 0;
        }
        int words = 0;
        boolean insideWord = false;
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            boolean whitespace = Character.isWhitespace(codePoint);
            if (!whitespace && !insideWord) {
                words++;
            }
            insideWord = !whitespace;
            i += Character.charCount(codePoint);
        }
        return words;
    }

    /** Input tokens for a request: its words, but at least 1 as real providers never bill zero. */
    static int inputTokens(List<String> texts) {
        int total = 0;
        for (String text : texts) {
            total += words(text);
        }
        return Math.max(1, total);
    }
}
