package io.tollgate.gateway.providers.wire;

import java.io.IOException;

/**
 * A provider's stream, one event at a time. Most families stream server-sent events ({@link SseReader});
 * Bedrock streams AWS event-stream frames, read into the same (event name, JSON data) pairs.
 */
@FunctionalInterface
public interface StreamEvents {

    /** The next event, or null at the end of the stream. Blocks until a whole event arrived. */
    SseEvent next() throws IOException;
}
