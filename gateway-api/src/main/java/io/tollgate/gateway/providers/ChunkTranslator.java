package io.tollgate.gateway.providers;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * Turns one provider stream, event by event, into OpenAI {@code chat.completion.chunk} objects. Stateful:
 * one instance per stream. A chunk carrying {@code usage} (with an empty {@code choices} array) is emitted
 * once the provider has reported usage, as OpenAI does with {@code stream_options.include_usage}.
 */
public interface ChunkTranslator {

    /**
     * @param event the SSE {@code event:} name, or null when the event had none
     * @param data  the event's {@code data:} payload (lines joined with '\n')
     * @return the chunks this event produces, possibly none
     */
    List<ObjectNode> translate(String event, String data);

    /** Called once after the provider's stream ended; returns any chunks still owed (for example usage). */
    default List<ObjectNode> finish() {
        return List.of();
    }
}
