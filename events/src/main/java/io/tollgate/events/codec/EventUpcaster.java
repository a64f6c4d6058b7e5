package io.tollgate.events.codec;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Lifts the JSON of one event type from one schema version to the next. The codec chains upcasters
 * until the JSON reaches the current version, so consumers only ever see the current record shape.
 */
public interface EventUpcaster {
    String eventType();

    int fromVersion();

    /** Returns the JSON at fromVersion() + 1; may modify and return its argument. */
    ObjectNode upcast(ObjectNode json);
}
