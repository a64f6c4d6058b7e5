package io.tollgate.gateway.formats;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.providers.ProviderUsage;
import io.tollgate.gateway.providers.wire.SseEvent;

import java.util.List;

/** Turns OpenAI chunks, as they arrive, into one client's SSE events. Stateful: one per stream. */
public interface ClientStream {

    /** The events for one OpenAI chunk (a usage-only chunk included), possibly none. */
    List<SseEvent> onChunk(ObjectNode chunk);

    /**
     * The closing events once the upstream ended.
     *
     * @param usage what the request used (reported, or estimated when the provider sent none)
     */
    List<SseEvent> finish(ProviderUsage usage);

    /** The closing events, cost included, about to go out: see {@link ClientFormat#delivering}. */
    default void delivering(List<SseEvent> closing) {
    }
}
