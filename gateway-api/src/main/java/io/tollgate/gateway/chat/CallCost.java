package io.tollgate.gateway.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.tollgate.gateway.upstream.CostHeaders;
import io.tollgate.gateway.providers.wire.SseEvent;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * What a call was charged, told to the caller as OpenRouter does: {@code usage.cost} in credits in the
 * answer's usage object (whatever the client format calls its fields), and the {@value #HEADER} header
 * where the headers are still open, i.e. on answers that are not streamed, with the balance after the call
 * ({@link CostHeaders}).
 */
final class CallCost {
    static final String HEADER = CostHeaders.COST;
    static final String FIELD = "cost";

    private final long debitedMicros;
    /** Plain decimal credits, as in every other credit amount of the API: 0.000148, never 1.48E-4. */
    private final String credits;

    CallCost(long debitedMicros) {
        this.debitedMicros = debitedMicros;
        this.credits = CostHeaders.credits(debitedMicros);
    }

    void onHeaders(HttpServletResponse response, OptionalLong balanceMicros) {
        CostHeaders.write(response, debitedMicros, balanceMicros);
    }

    /** Adds the cost to the answer's top-level usage object, if it has one. */
    void onAnswer(JsonNode answer) {
        if (answer.path("usage") instanceof ObjectNode usage) {
            usage.putRawValue(FIELD, new RawValue(credits));
        }
    }

    /**
     * Adds the cost to the usage that a stream's closing events carry: at the top level (OpenAI's usage
     * chunk, Anthropic's message_delta, AIGNE's chat completions), in AIGNE's {@code delta.json}, or in the
     * Responses API's {@code response} (response.completed).
     */
    List<SseEvent> onClosingEvents(List<SseEvent> events, ObjectMapper json) {
        List<SseEvent> withCost = new ArrayList<>(events.size());
        for (SseEvent event : events) {
            withCost.add(event.data().contains("\"usage\"") ? withCost(event, json) : event);
        }
        return withCost;
    }

    private SseEvent withCost(SseEvent event, ObjectMapper json) {
        JsonNode data;
        try {
            data = json.readTree(event.data());
        } catch (IOException notJson) {
            return event;
        }
        JsonNode usage = data.path("usage").isObject() ? data.path("usage")
                : data.path("response").path("usage").isObject() ? data.path("response").path("usage")
                : data.path("delta").path("json").path("usage");
        if (!(usage instanceof ObjectNode usageObject)) {
            return event;
        }
        usageObject.putRawValue(FIELD, new RawValue(credits));
        return new SseEvent(event.event(), data.toString());
    }
}
