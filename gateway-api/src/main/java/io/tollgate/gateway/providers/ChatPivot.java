package io.tollgate.gateway.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Pieces of the pivot (OpenAI's chat shape) that every provider translation builds or reads. */
public final class ChatPivot {
    private ChatPivot() {
    }

    /** The text of a content string, or of the text parts of a content array joined by newlines. */
    public static String textOf(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        var text = new StringBuilder();
        for (JsonNode part : content) {
            if (part.path("text").isTextual()) {
                if (!text.isEmpty()) {
                    text.append('\n');
                }
                text.append(part.get("text").asText());
            }
        }
        return text.toString();
    }

    /**
     * Completes a {@code chat.completion.chunk} head (id, object, created, model) with one choice.
     *
     * @param finishReason null while the choice goes on
     */
    public static ObjectNode chunk(ObjectNode head, int index, ObjectNode delta, String finishReason) {
        ObjectNode choice = head.putArray("choices").addObject();
        choice.put("index", index);
        choice.set("delta", delta);
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return head;
    }
}
