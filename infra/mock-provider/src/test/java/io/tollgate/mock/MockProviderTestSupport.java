package io.tollgate.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/** Starts a fresh mock provider per test and talks to it over real HTTP on loopback. */
abstract class MockProviderTestSupport {

    static final String FULL_REPLY = "This is a deterministic reply from the Tollgate mock provider. This is";

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    MockProvider provider;

    /** Tests override this to start the provider differently. */
    MockProviderConfig initialConfig() {
        return MockProviderConfig.defaults();
    }

    @BeforeEach
    void startProvider() {
        provider = MockProvider.start(initialConfig());
    }

    @AfterEach
    void stopProvider() {
        provider.close();
    }

    HttpRequest.Builder request(String pathAndQuery, String... headerNamesAndValues) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(provider.baseUrl() + pathAndQuery));
        if (headerNamesAndValues.length > 0) {
            request.headers(headerNamesAndValues);
        }
        return request;
    }

    HttpResponse<String> post(String pathAndQuery, String body, String... headerNamesAndValues) {
        return send(request(pathAndQuery, headerNamesAndValues)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    HttpResponse<String> get(String pathAndQuery, String... headerNamesAndValues) {
        return send(request(pathAndQuery, headerNamesAndValues).GET().build());
    }

    static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An Anthropic request's mandatory headers. */
    static String[] anthropicHeaders() {
        return new String[] {"anthropic-version", "2023-06-01"};
    }

    static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
        }
    }

    static JsonNode json(HttpResponse<String> response) {
        return json(response.body());
    }

    /** One server-sent event; {@code event} is null when the stream has no event lines (OpenAI, Gemini). */
    record SseEvent(String event, String data) {
        JsonNode json() {
            return MockProviderTestSupport.json(data);
        }
    }

    /** Parses a complete text/event-stream body, insisting on the blank line that ends every event. */
    static List<SseEvent> parseSse(String body) {
        if (!body.endsWith("\n\n")) {
            throw new AssertionError("an event stream must end with a blank line: " + body);
        }
        List<SseEvent> events = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            String event = null;
            StringBuilder data = new StringBuilder();
            for (String line : block.split("\n")) {
                if (line.startsWith("event: ")) {
                    event = line.substring("event: ".length());
                } else if (line.startsWith("data: ")) {
                    data.append(line.substring("data: ".length()));
                } else {
                    throw new AssertionError("unexpected line in event stream: '" + line + "'");
                }
            }
            events.add(new SseEvent(event, data.toString()));
        }
        return events;
    }
}
