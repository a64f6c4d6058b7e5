package io.tollgate.gateway.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Counts the output of an answer that came without the provider's usage: the text, the reasoning, refusals
 * and the tool calls' names and arguments, all of which the provider bills as output. It keeps a running
 * count, not the text: what it was given is counted and dropped every {@link #FOLD_CHARS} characters, so a
 * long stream holds at most that much.
 */
public final class OutputTally {
    static final int FOLD_CHARS = 64 * 1024;
    /** The keys (quoted, as they appear in a chunk) of the fields whose strings are output the provider bills. */
    private static final List<String> OUTPUT_KEYS = List.of("\"content\"", "\"reasoning_content\"",
            "\"refusal\"", "\"name\"", "\"arguments\"");

    private static final String CONTENT_ONLY_DELTA = "\"delta\":{\"content\":\"";

    private final ToLongFunction<String> tokenizer;
    private final StringBuilder pending = new StringBuilder();
    private long counted;

    public OutputTally(ToLongFunction<String> tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** A chat completion's message or a stream chunk's delta. */
    public void addMessage(JsonNode message) {
        append(message.path("content").asText(""));
        append(message.path("reasoning_content").asText(""));
        append(message.path("refusal").asText(""));
        for (JsonNode call : message.path("tool_calls")) {
            appendFunction(call.path("function"));
        }
        appendFunction(message.path("function_call"));
    }

    /** Every choice of a chat completion. */
    public void addCompletion(JsonNode completion) {
        for (JsonNode choice : completion.path("choices")) {
            addMessage(choice.path("message"));
        }
    }

    /**
     * A stream chunk as the provider sent it (compact JSON): the string values of its output fields are found
     * by their keys and unescaped, without parsing the chunk. A key is one whose opening quote is not escaped
     * (inside a string value every quote is); a value that is not a string (null) is skipped.
     */
    public void addChunkText(String chunk) {
        // Output fields live inside the choices; the envelope before them (id, model, fingerprint) is skipped.
        int choices = Math.max(0, chunk.indexOf("\"choices\""));
        if (onlyContent(chunk, choices)) {
            return;
        }
        for (String key : OUTPUT_KEYS) {
            int at = chunk.indexOf(key, choices);
            while (at >= 0) {
                if (at == 0 || chunk.charAt(at - 1) != '\\') {
                    appendStringAt(chunk, at + key.length());
                }
                at = chunk.indexOf(key, at + key.length());
            }
        }
    }

    /**
     * The common chunk, one choice whose delta is only text ({@code "delta":{"content":"…"}}): its text is
     * counted with two searches instead of one per output field. False (nothing counted) for any other chunk.
     */
    private boolean onlyContent(String chunk, int from) {
        int delta = chunk.indexOf(CONTENT_ONLY_DELTA, from);
        if (delta < 0) {
            return false;
        }
        int valueStart = delta + CONTENT_ONLY_DELTA.length();
        int end = chunk.indexOf('"', valueStart);
        if (end < 0 || end + 1 >= chunk.length() || chunk.charAt(end + 1) != '}'
                || chunk.indexOf('\\', valueStart, end) >= 0 || chunk.indexOf("\"delta\"", end) >= 0) {
            return false;
        }
        append(chunk.substring(valueStart, end));
        return true;
    }

    /** The JSON string value after a key's closing quote (whitespace and a colon first), if it is one. */
    private void appendStringAt(String json, int from) {
        int i = from;
        while (i < json.length() && (json.charAt(i) == ' ' || json.charAt(i) == ':')) {
            i++;
        }
        if (i >= json.length() || json.charAt(i) != '"') {
            return;
        }
        var value = new StringBuilder();
        for (i++; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '"') {
                append(value.toString());
                return;
            }
            if (c != '\\' || i + 1 >= json.length()) {
                value.append(c);
                continue;
            }
            char escaped = json.charAt(++i);
            switch (escaped) {
                case 'n' -> value.append('\n');
                case 't' -> value.append('\t');
                case 'r' -> value.append('\r');
                case 'b' -> value.append('\b');
                case 'f' -> value.append('\f');
                case 'u' -> {
                    if (i + 4 < json.length()) {
                        try {
                            value.append((char) Integer.parseInt(json, i + 1, i + 5, 16));
                        } catch (NumberFormatException notHex) {
                            return;
                        }
                        i += 4;
                    }
                }
                default -> value.append(escaped);
            }
        }
        // an unterminated string: a cut chunk carries nothing countable
    }

    private void appendFunction(JsonNode function) {
        append(function.path("name").asText(""));
        append(function.path("arguments").asText(""));
    }

    public void append(String text) {
        if (text == null || text.isEmpty()) {
            return;
        }
        pending.append(text);
        if (pending.length() >= FOLD_CHARS) {
            fold();
        }
    }

    /** The output tokens of everything added so far. */
    public long tokens() {
        fold();
        return counted;
    }

    private void fold() {
        if (!pending.isEmpty()) {
            counted += tokenizer.applyAsLong(pending.toString());
            pending.setLength(0);
        }
    }
}
