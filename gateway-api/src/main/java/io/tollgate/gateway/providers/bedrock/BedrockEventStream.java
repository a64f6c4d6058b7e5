package io.tollgate.gateway.providers.bedrock;

import io.tollgate.gateway.providers.wire.SseEvent;
import io.tollgate.gateway.providers.wire.StreamEvents;
import software.amazon.eventstream.HeaderValue;
import software.amazon.eventstream.Message;
import software.amazon.eventstream.MessageDecoder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

/**
 * ConverseStream's body ({@code application/vnd.amazon.eventstream}): binary frames, each a prelude (total and
 * headers length, CRC32), headers, a JSON payload and a CRC32 of the whole, decoded by the AWS SDK's own
 * event-stream decoder (which checks both checksums). An event frame becomes (its {@code :event-type}, its
 * payload); an exception or error frame (a throttling or a model failure after the answer began) ends the
 * stream with an {@link IOException}, which the chat path treats as a broken stream.
 */
final class BedrockEventStream implements StreamEvents {
    private final InputStream body;
    private final Deque<Message> decoded = new ArrayDeque<>();
    private final MessageDecoder decoder = new MessageDecoder(decoded::add);
    private final byte[] buffer = new byte[8192];

    BedrockEventStream(InputStream body) {
        this.body = body;
    }

    @Override
    public SseEvent next() throws IOException {
        while (decoded.isEmpty()) {
            int read = body.read(buffer);
            if (read < 0) {
                return null;
            }
            try {
                decoder.feed(buffer, 0, read);
            } catch (IllegalArgumentException | IllegalStateException corrupt) {
                throw new IOException("Bedrock sent a corrupt event-stream frame: " + corrupt.getMessage(), corrupt);
            }
        }
        Message message = decoded.poll();
        Map<String, HeaderValue> headers = message.getHeaders();
        String type = string(headers, ":message-type", "event");
        String payload = new String(message.getPayload(), StandardCharsets.UTF_8);
        return switch (type) {
            case "event" -> new SseEvent(string(headers, ":event-type", ""), payload);
            case "exception" -> throw new IOException("Bedrock stream exception " + string(headers, ":exception-type", "")
                    + ": " + payload);
            default -> throw new IOException("Bedrock stream error " + string(headers, ":error-code", "")
                    + ": " + string(headers, ":error-message", payload));
        };
    }

    private static String string(Map<String, HeaderValue> headers, String name, String otherwise) {
        HeaderValue value = headers.get(name);
        return value == null ? otherwise : value.getString();
    }
}
