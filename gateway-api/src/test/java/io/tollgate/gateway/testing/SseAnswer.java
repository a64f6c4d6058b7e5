package io.tollgate.gateway.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/** A whole SSE answer, split into its events; OpenAI's {@code [DONE]} marker is kept out of the data. */
public record SseAnswer(int status, String requestId, List<String> eventNames, List<String> rawData) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static SseAnswer parse(HttpResponse<String> response) {
        List<String> names = new ArrayList<>();
        List<String> data = new ArrayList<>();
        for (String block : response.body().split("\n\n")) {
            String name = null;
            StringBuilder payload = null;
            for (String line : block.split("\n")) {
                if (line.startsWith("event:")) {
                    name = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    String value = line.substring(5).trim();
                    payload = payload == null ? new StringBuilder(value) : payload.append('\n').append(value);
                }
            }
            if (payload != null) {
                names.add(name);
                data.add(payload.toString());
            }
        }
        return new SseAnswer(response.statusCode(), response.headers().firstValue("x-request-id").orElse(null),
                names, data);
    }

    public List<JsonNode> data() {
        return rawData.stream().filter(d -> !d.equals("[DONE]")).map(SseAnswer::read).toList();
    }

    public List<JsonNode> dataOf(String eventName) {
        List<JsonNode> matching = new ArrayList<>();
        for (int i = 0; i < eventNames.size(); i++) {
            if (eventName.equals(eventNames.get(i))) {
                matching.add(read(rawData.get(i)));
            }
        }
        return matching;
    }

    /** The text at a JSON pointer, joined over every event. */
    public String textOf(String pointer) {
        var text = new StringBuilder();
        data().forEach(event -> text.append(event.at(pointer).asText("")));
        return text.toString();
    }

    /** The text at a JSON pointer, joined over the events of one name. */
    public String textOf(String eventName, String pointer) {
        var text = new StringBuilder();
        dataOf(eventName).forEach(event -> text.append(event.at(pointer).asText("")));
        return text.toString();
    }

    private static JsonNode read(String data) {
        try {
            return JSON.readTree(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
