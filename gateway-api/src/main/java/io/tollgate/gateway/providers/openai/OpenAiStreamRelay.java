package io.tollgate.gateway.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.providers.ProviderUsage;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * Relays an OpenAI SSE stream event by event, flushing each one, and watches it for usage. The gateway
 * always asks for the usage chunk; a client that did not ask for it does not get it.
 */
public final class OpenAiStreamRelay {
    private static final String DATA = "data:";
    private static final byte[] EVENT_END = "\n".getBytes(StandardCharsets.UTF_8);
    static final int HELD_PAYLOAD_CHARS = 256 * 1024;

    private final ObjectMapper json;
    private final boolean forwardUsageChunk;
    private ProviderUsage usage;
    /**
     * Kept only until usage arrives (without it, the output is counted from these), and at most about
     * {@link #HELD_PAYLOAD_CHARS}: beyond that their output strings go to {@link #tally} and they are dropped.
     * A stream shorter than that (about a thousand chunks) costs one list entry per chunk, as it always did;
     * a longer one is scanned once more for its strings (no JSON parse), a bounded batch at a time.
     */
    private final List<String> dataPayloads = new ArrayList<>();
    private int heldPayloadChars;
    private final OutputTally tally;
    private boolean clientGone;
    private StringBuilder heldDone;
    /** The usage-only chunk, held with the end marker so that it can carry what the request cost. */
    private ObjectNode heldUsageChunk;

    /** @param tokenizer counts output tokens, for a stream that ends without the provider's usage */
    public OpenAiStreamRelay(ObjectMapper json, boolean forwardUsageChunk, ToLongFunction<String> tokenizer) {
        this.json = json;
        this.forwardUsageChunk = forwardUsageChunk;
        this.tally = new OutputTally(tokenizer);
    }

    /**
     * Reads until the upstream ends or the client goes away. Returns normally in both cases; see
     * {@link #clientGone()}. An IOException means the upstream failed mid-stream.
     */
    public void relay(InputStream upstream, OutputStream client) throws IOException {
        var reader = new BufferedReader(new InputStreamReader(upstream, StandardCharsets.UTF_8));
        var event = new StringBuilder();
        boolean forward = true;
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.isEmpty()) {
                if (isDone(event)) {
                    heldDone = new StringBuilder(event);
                } else if (!event.isEmpty() && forward && !send(client, event)) {
                    return;
                }
                event.setLength(0);
                forward = true;
                continue;
            }
            if (line.startsWith(DATA)) {
                forward &= inspect(line.substring(DATA.length()).trim());
            }
            event.append(line).append('\n');
        }
        if (isDone(event)) {
            heldDone = new StringBuilder(event);
        } else if (!event.isEmpty() && forward) {
            send(client, event);
        }
    }

    /**
     * The stream's end marker is held back by {@link #relay} until the request is billed: a client that
     * saw {@code [DONE]} got a complete answer, and a complete answer is never unbilled. The usage chunk
     * (when the client asked for it) is held with it and goes out first, completed by {@code onUsageChunk}.
     */
    public void finish(OutputStream client, Consumer<ObjectNode> onUsageChunk) {
        if (clientGone) {
            return;
        }
        if (heldUsageChunk != null) {
            onUsageChunk.accept(heldUsageChunk);
            if (!send(client, new StringBuilder(DATA).append(' ').append(heldUsageChunk).append('\n'))) {
                return;
            }
        }
        if (heldDone != null) {
            send(client, heldDone);
        }
    }

    private static boolean isDone(StringBuilder event) {
        String whole = event.toString().strip();
        return whole.startsWith(DATA) && whole.substring(DATA.length()).trim().equals("[DONE]");
    }

    /** Returns whether the event goes to the client. */
    private boolean inspect(String data) throws IOException {
        if (data.equals("[DONE]")) {
            return true;
        }
        if (usage == null) {
            hold(data);
        }
        if (!data.contains("\"usage\"")) {
            return true;
        }
        JsonNode chunk = json.readTree(data);
        Optional<ProviderUsage> reported = OpenAiAnswers.usage(chunk);
        if (reported.isEmpty()) {
            return true;
        }
        usage = reported.get();
        dataPayloads.clear();
        heldPayloadChars = 0;
        boolean usageOnly = chunk.path("choices").isArray() && chunk.path("choices").isEmpty();
        if (usageOnly && forwardUsageChunk && chunk instanceof ObjectNode held) {
            heldUsageChunk = held;
            return false;
        }
        return !usageOnly;
    }

    private boolean send(OutputStream client, StringBuilder event) {
        try {
            client.write(event.toString().getBytes(StandardCharsets.UTF_8));
            client.write(EVENT_END);
            client.flush();
            return true;
        } catch (IOException disconnected) {
            clientGone = true;
            return false;
        }
    }

    /** Whether the provider's stream reached its end marker. */
    public boolean complete() {
        return heldDone != null;
    }

    public Optional<ProviderUsage> usage() {
        return Optional.ofNullable(usage);
    }

    public boolean clientGone() {
        return clientGone;
    }

    /** A chunk is held as it is (no work) until usage arrives or the held ones grow too many. */
    private void hold(String data) {
        dataPayloads.add(data);
        heldPayloadChars += data.length();
        if (heldPayloadChars > HELD_PAYLOAD_CHARS) {
            countHeldPayloads();
        }
    }

    /** Payloads held so far, no longer needed: their output strings are counted (no JSON parse) and dropped. */
    private void countHeldPayloads() {
        for (String payload : dataPayloads) {
            tally.addChunkText(payload);
        }
        dataPayloads.clear();
        heldPayloadChars = 0;
    }

    /**
     * The output tokens the stream carried so far (text, reasoning, refusals, tool calls), for a stream that
     * came without usage.
     */
    public long streamedOutputTokens() {
        countHeldPayloads();
        return tally.tokens();
    }

    /** How many characters of payload are held for counting: bounded, whatever the stream's length. */
    int heldPayloadChars() {
        return heldPayloadChars;
    }
}
