package io.tollgate.gateway.providers.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * Counts the output of an answer that came without the provider's usage: the text, the reasoning, refusals
 * and the tool calls' names and arguments, all of which the provider bills as output. It keeps a running
 * count, not the text: what it was given is counted and dropped every {@link #FOLD_CHARS} characters, so a
 * long stream holds at most that much.
 */
public final class OutputTally {
    static final int FOLD_CHARS = 16 * 1024;
    /** The fields of a message or delta whose strings are output the provider bills. */
    private static final Set<String> OUTPUT_FIELDS = Set.of("content", "reasoning_content", "refusal", "name",
            "arguments");

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
     * A stream chunk as the provider sent it: its output strings are read with a streaming parser, without
     * building a tree (a chunk is small, and this runs only for chunks that were held for counting).
     */
    public void addChunkJson(JsonFactory factory, String chunk) {
        try (JsonParser parser = factory.createParser(chunk)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                if (token == JsonToken.FIELD_NAME && OUTPUT_FIELDS.contains(parser.currentName())
                        && parser.nextToken() == JsonToken.VALUE_STRING) {
                    append(parser.getText());
                }
            }
        } catch (IOException unreadable) {
            // a broken chunk carries nothing countable; the rest of the stream still counts
        }
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
