package io.tollgate.gateway.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.formats.ClientStream;
import io.tollgate.gateway.providers.ChunkTranslator;
import io.tollgate.gateway.providers.ProviderUsage;
import io.tollgate.gateway.providers.wire.SseEvent;
import io.tollgate.gateway.providers.wire.SseReader;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;

/** Recorded wire bodies under src/test/resources/wire, and helpers that push them through translators. */
public final class WireFixtures {
    public static final ObjectMapper JSON = new ObjectMapper();

    private WireFixtures() {
    }

    public static String text(String path) {
        try (InputStream in = WireFixtures.class.getResourceAsStream("/wire/" + path)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ObjectNode json(String path) {
        return (ObjectNode) parse(text(path));
    }

    public static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The node re-read from its text, so that long and int nodes of one value compare equal. */
    public static JsonNode n(JsonNode node) {
        return parse(node.toString());
    }

    public static List<SseEvent> events(String sse) {
        var reader = new SseReader(new ByteArrayInputStream(sse.getBytes(StandardCharsets.UTF_8)));
        List<SseEvent> events = new ArrayList<>();
        try {
            SseEvent event;
            while ((event = reader.next()) != null) {
                events.add(event);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return events;
    }

    /** Feeds a recorded SSE stream through a translator, finish() included. */
    public static List<ObjectNode> chunks(ChunkTranslator translator, String sse) {
        List<ObjectNode> chunks = new ArrayList<>();
        for (SseEvent event : events(sse)) {
            chunks.addAll(translator.translate(event.event(), event.data()));
        }
        chunks.addAll(translator.finish());
        return chunks;
    }

    /** Writes chunks to a client stream, then finishes it with the usage the chunks reported. */
    public static List<SseEvent> clientEvents(ClientStream stream, List<ObjectNode> chunks) {
        List<SseEvent> events = new ArrayList<>();
        ProviderUsage usage = null;
        for (ObjectNode chunk : chunks) {
            JsonNode u = chunk.path("usage");
            if (u.isObject()) {
                usage = new ProviderUsage(u.path("prompt_tokens").asLong(), u.path("completion_tokens").asLong(),
                        u.path("prompt_tokens_details").path("cached_tokens").asLong(),
                        u.path("completion_tokens_details").path("reasoning_tokens").asLong());
            }
            events.addAll(stream.onChunk(chunk));
        }
        events.addAll(stream.finish(usage));
        return events;
    }

    /** The concatenated streamed text content of OpenAI chunks. */
    public static String streamedText(List<ObjectNode> chunks) {
        var text = new StringBuilder();
        for (ObjectNode chunk : chunks) {
            for (JsonNode choice : chunk.path("choices")) {
                text.append(choice.path("delta").path("content").asText(""));
            }
        }
        return text.toString();
    }

    /** The body an HttpRequest would send. */
    public static String body(HttpRequest request) {
        var publisher = request.bodyPublisher().orElseThrow();
        var subscriber = HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8);
        publisher.subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscriber.onSubscribe(subscription);
            }

            @Override
            public void onNext(ByteBuffer item) {
                subscriber.onNext(List.of(item));
            }

            @Override
            public void onError(Throwable throwable) {
                subscriber.onError(throwable);
            }

            @Override
            public void onComplete() {
                subscriber.onComplete();
            }
        });
        return subscriber.getBody().toCompletableFuture().join();
    }

    public static URI uri(String uri) {
        return URI.create(uri);
    }
}
