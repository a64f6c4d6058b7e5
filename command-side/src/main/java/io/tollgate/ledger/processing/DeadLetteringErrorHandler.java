package io.tollgate.ledger.processing;

import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.EventMessageHandler;
import org.axonframework.eventhandling.ListenerInvocationErrorHandler;
import org.axonframework.serialization.SerializationException;
import org.axonframework.serialization.Serializer;

import java.util.UUID;

/**
 * For a ledger processor whose every event matters: a handler's failure propagates, so that the processor
 * rolls the batch back and retries it (Axon's default logs it and goes on, and the event is lost), except for
 * an event that cannot be read at all. No retry would change that, so it becomes a dead letter and the events
 * after it flow on.
 */
public class DeadLetteringErrorHandler implements ListenerInvocationErrorHandler {
    private final String source;
    private final LedgerDeadLetters deadLetters;
    private final Serializer eventSerializer;

    public DeadLetteringErrorHandler(String source, LedgerDeadLetters deadLetters, Serializer eventSerializer) {
        this.source = source;
        this.deadLetters = deadLetters;
        this.eventSerializer = eventSerializer;
    }

    @Override
    public void onError(Exception exception, EventMessage<?> event, EventMessageHandler eventHandler) throws Exception {
        if (!isUnreadable(exception)) {
            throw exception;
        }
        deadLetters.record(source, idOf(event), typeOf(event),
                "cannot be read: " + LedgerDeadLetters.describe(exception), storedPayload(event));
    }

    private static boolean isUnreadable(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SerializationException) {
                return true;
            }
        }
        return false;
    }

    /** Axon's message id; the aggregates' events carry random UUIDs there. */
    private static UUID idOf(EventMessage<?> event) {
        try {
            return UUID.fromString(event.getIdentifier());
        } catch (IllegalArgumentException notAUuid) {
            return null;
        }
    }

    /** From the stored type name; nothing is deserialized for it. */
    private static String typeOf(EventMessage<?> event) {
        try {
            return event.getPayloadType().getSimpleName();
        } catch (RuntimeException unknown) {
            return null;
        }
    }

    /** The stored bytes as they are: a message read from the store hands them over without deserializing. */
    private byte[] storedPayload(EventMessage<?> event) {
        try {
            return event.serializePayload(eventSerializer, byte[].class).getData();
        } catch (RuntimeException unavailable) {
            return null;
        }
    }
}
