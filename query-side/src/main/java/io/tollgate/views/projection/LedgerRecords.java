package io.tollgate.views.projection;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.events.codec.EventCodec;
import io.tollgate.events.codec.EventType;
import io.tollgate.events.RequestScoped;
import io.tollgate.events.TollgateEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;

/**
 * Decodes ledger-topic records. A record this version cannot read comes back with the reason instead of
 * an event: the projection dead-letters it (I8) and its partition moves on.
 */
public final class LedgerRecords {
    private static final Logger log = LoggerFactory.getLogger(LedgerRecords.class);

    private static final byte[] ENVELOPE_START =
            ("{\"" + EventCodec.TYPE_FIELD + "\":\"").getBytes(StandardCharsets.UTF_8);
    private static final byte[] VERSION_FIELD =
            ("\",\"" + EventCodec.VERSION_FIELD + "\":").getBytes(StandardCharsets.UTF_8);

    private final EventCodec codec = new EventCodec();
    private final ObjectMapper mapper = EventCodec.newObjectMapper().registerModule(FastInstants.module());
    private final Map<String, EventType> types = new HashMap<>();
    private final Map<Class<?>, com.fasterxml.jackson.databind.ObjectReader> readers = new HashMap<>();

    public LedgerRecords() {
        EventType.CATALOGUE.forEach(type -> types.put(type.name(), type));
    }

    /** A polled record and its event, or why it has none. */
    public record Decoded(ConsumerRecord<String, byte[]> record, TollgateEvent event, String failure) {
    }

    public List<Decoded> decode(List<ConsumerRecord<String, byte[]>> records) {
        List<Decoded> decoded = new ArrayList<>(records.size());
        for (ConsumerRecord<String, byte[]> record : records) {
            decoded.add(decodeOne(record));
        }
        return decoded;
    }

    public Decoded decodeOne(ConsumerRecord<String, byte[]> record) {
        try {
            return new Decoded(record, requireEnvelope(decode(record.value())), null);
        } catch (RuntimeException unreadable) {
            // An event this version cannot read must not block its partition: it becomes a dead letter.
            log.error("unreadable record at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                    unreadable.getMessage());
            String reason = unreadable.getMessage() == null ? unreadable.getClass().getSimpleName()
                    : unreadable.getMessage();
            return new Decoded(record, null, "unreadable: " + reason);
        }
    }

    /**
     * EventCodec writes the type and the schema version first. When they say the current version, the
     * record is read straight from the bytes in one pass (the two envelope fields are ignored as unknown
     * properties, as the codec's mapper ignores any); anything else, an older version to upcast or an odd
     * shape, goes through the codec. Same result, about half the work, which a replay of millions of
     * events notices.
     */
    private TollgateEvent decode(byte[] value) {
        if (value != null && startsWith(value, ENVELOPE_START, 0)) {
            int nameEnd = indexOf(value, (byte) '"', ENVELOPE_START.length);
            if (nameEnd > 0 && startsWith(value, VERSION_FIELD, nameEnd)) {
                EventType type = types.get(new String(value, ENVELOPE_START.length, nameEnd - ENVELOPE_START.length,
                        StandardCharsets.UTF_8));
                int digit = nameEnd + VERSION_FIELD.length;
                if (type != null && digit + 1 < value.length && value[digit] - '0' == type.currentVersion()
                        && (value[digit + 1] == ',' || value[digit + 1] == '}')) {
                    try {
                        return readers.computeIfAbsent(type.recordClass(), mapper::readerFor).readValue(value);
                    } catch (IOException e) {
                        // Fall through: the codec reports it in its own words.
                    }
                }
            }
        }
        return codec.decode(value);
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix, int at) {
        if (bytes.length < at + prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] bytes, byte wanted, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    /**
     * JSON that maps onto a record but lacks what every event carries (its id, time, account, or the
     * request it belongs to) cannot be applied: the database would refuse it, and a failing batch is
     * retried without end, which would stop the consumer on every partition it holds.
     */
    private static TollgateEvent requireEnvelope(TollgateEvent event) {
        if (event.eventId() == null || event.occurredAt() == null || event.accountId() == null
                || (event instanceof RequestScoped scoped && scoped.requestId() == null)) {
            throw new IllegalArgumentException("incomplete " + event.getClass().getSimpleName()
                    + ": eventId, occurredAt, accountId and (for request events) requestId are required");
        }
        return event;
    }
}
