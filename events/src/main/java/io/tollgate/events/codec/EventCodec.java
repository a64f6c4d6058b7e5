package io.tollgate.events.codec;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import io.tollgate.events.TollgateEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON form of events on Kafka: the record's fields plus {@code type} and {@code schemaVersion}.
 * Reading tolerates unknown fields (a newer writer) and upcasts older versions to the current shape.
 */
public final class EventCodec {
    public static final String TYPE_FIELD = "type";
    public static final String VERSION_FIELD = "schemaVersion";

    private final ObjectMapper mapper;
    private final Map<String, EventType> typesByName = new HashMap<>();
    private final Map<Class<?>, EventType> typesByClass = new HashMap<>();
    private final Map<String, EventUpcaster> upcasters = new HashMap<>();

    public EventCodec() {
        this(EventType.CATALOGUE, List.of());
    }

    public EventCodec(List<EventType> catalogue, List<EventUpcaster> upcasterChain) {
        this.mapper = newObjectMapper();
        for (EventType type : catalogue) {
            typesByName.put(type.name(), type);
            typesByClass.put(type.recordClass(), type);
        }
        for (EventUpcaster upcaster : upcasterChain) {
            EventType type = typesByName.get(upcaster.eventType());
            if (type == null || upcaster.fromVersion() >= type.currentVersion()) {
                throw new IllegalArgumentException("upcaster for unknown type or version: "
                        + upcaster.eventType() + " v" + upcaster.fromVersion());
            }
            upcasters.put(upcasterKey(upcaster.eventType(), upcaster.fromVersion()), upcaster);
        }
    }

    /**
     * The mapper settings events are written with; shared so that other serializers agree on the shape.
     * Its buffers are pooled per mapper, not per thread: Jackson's default keeps them in a thread local, and
     * the gateway encodes on a new virtual thread for every request, so each encode allocated them afresh.
     */
    public static ObjectMapper newObjectMapper() {
        return new ObjectMapper(JsonFactory.builder().recyclerPool(JsonRecyclerPools.newConcurrentDequePool()).build())
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    public EventType typeOf(TollgateEvent event) {
        return typesByClass.get(event.getClass());
    }

    public byte[] encode(TollgateEvent event) {
        EventType type = typeOf(event);
        try {
            return mapper.writeValueAsBytes(new Envelope(type.name(), type.currentVersion(), event));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + type.name(), e);
        }
    }

    /** Writes the event's fields after type and version in one pass, without an intermediate tree. */
    @JsonPropertyOrder({TYPE_FIELD, VERSION_FIELD})
    private record Envelope(@JsonProperty(TYPE_FIELD) String type, @JsonProperty(VERSION_FIELD) int schemaVersion,
                            @JsonUnwrapped TollgateEvent event) {
    }

    public TollgateEvent decode(byte[] bytes) {
        JsonNode tree;
        try {
            tree = mapper.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("not an event: malformed JSON", e);
        }
        if (!(tree instanceof ObjectNode json)) {
            throw new IllegalArgumentException("not an event: expected a JSON object");
        }
        String typeName = json.path(TYPE_FIELD).asText(null);
        EventType type = typesByName.get(typeName);
        if (type == null) {
            throw new IllegalArgumentException("unknown event type: " + typeName);
        }
        int version = json.path(VERSION_FIELD).asInt(1);
        ObjectNode current = json;
        while (version < type.currentVersion()) {
            EventUpcaster upcaster = upcasters.get(upcasterKey(typeName, version));
            if (upcaster == null) {
                throw new IllegalStateException("no upcaster for " + typeName + " v" + version);
            }
            current = upcaster.upcast(current);
            version++;
        }
        current.remove(TYPE_FIELD);
        current.remove(VERSION_FIELD);
        try {
            return mapper.treeToValue(current, type.recordClass());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed " + typeName + ": " + e.getOriginalMessage(), e);
        }
    }

    private static String upcasterKey(String type, int fromVersion) {
        return type + "@" + fromVersion;
    }
}
