package io.tollgate.gateway.formats.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.formats.ClientStream;
import io.tollgate.gateway.providers.ProviderUsage;
import io.tollgate.gateway.providers.wire.SseEvent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI chunks → the Responses API's typed events, each named by its {@code type} and numbered by
 * {@code sequence_number}: response.created and response.in_progress; per output item
 * response.output_item.added, then for text response.content_part.added / response.output_text.delta … /
 * response.output_text.done / response.content_part.done, for a function call
 * response.function_call_arguments.delta … / .done; response.output_item.done; and at {@link #finish}
 * response.completed (or response.incomplete when the output limit was hit) with the usage, which the
 * gateway sends after the settlement with the cost in it. Reasoning deltas are dropped.
 */
final class ResponsesStream implements ClientStream {
    private final ObjectMapper json;
    private final ResponsesTurn turn;
    private final String model;
    private final ArrayNode output;
    private int sequence;
    private boolean started;
    private String finishReason;

    /** The item being streamed, or null. */
    private OpenItem open;
    private final Map<Integer, OpenItem> callsByToolIndex = new HashMap<>();

    private static final class OpenItem {
        final String id;
        final int outputIndex;
        final boolean functionCall;
        final String callId;
        final String name;
        final StringBuilder content = new StringBuilder();
        boolean done;

        OpenItem(String id, int outputIndex, boolean functionCall, String callId, String name) {
            this.id = id;
            this.outputIndex = outputIndex;
            this.functionCall = functionCall;
            this.callId = callId;
            this.name = name;
        }
    }

    ResponsesStream(ObjectMapper json, ResponsesTurn turn, String model) {
        this.json = json;
        this.turn = turn;
        this.model = model;
        this.output = json.createArrayNode();
    }

    @Override
    public List<SseEvent> onChunk(ObjectNode chunk) {
        List<SseEvent> events = new ArrayList<>();
        start(events);
        for (JsonNode choice : chunk.path("choices")) {
            if (choice.path("index").asInt(0) != 0) {
                continue;
            }
            JsonNode delta = choice.path("delta");
            String text = delta.path("content").isTextual() ? delta.get("content").asText() : "";
            if (!text.isEmpty()) {
                if (open == null || open.functionCall) {
                    closeOpen(events);
                    openMessage(events);
                }
                open.content.append(text);
                ObjectNode textDelta = event("response.output_text.delta").put("item_id", open.id)
                        .put("output_index", open.outputIndex).put("content_index", 0).put("delta", text);
                textDelta.putArray("logprobs");
                events.add(sse(textDelta));
            }
            for (JsonNode call : delta.path("tool_calls")) {
                int toolIndex = call.path("index").asInt(0);
                OpenItem item = callsByToolIndex.get(toolIndex);
                if (item == null) {
                    closeOpen(events);
                    item = new OpenItem(ResponsesItems.newId("fc"), output.size(), true,
                            call.path("id").asText("call_" + toolIndex), call.path("function").path("name").asText(""));
                    output.add(turn.functionCallItem(item.id, "in_progress", item.callId, item.name, ""));
                    ObjectNode added = event("response.output_item.added").put("output_index", item.outputIndex);
                    added.set("item", output.get(item.outputIndex).deepCopy());
                    events.add(sse(added));
                    callsByToolIndex.put(toolIndex, item);
                    open = item;
                }
                String arguments = call.path("function").path("arguments").asText("");
                if (!arguments.isEmpty()) {
                    item.content.append(arguments);
                    events.add(sse(event("response.function_call_arguments.delta").put("item_id", item.id)
                            .put("output_index", item.outputIndex).put("delta", arguments)));
                }
            }
            if (choice.path("finish_reason").isTextual()) {
                finishReason = choice.get("finish_reason").asText();
            }
        }
        return events;
    }

    @Override
    public List<SseEvent> finish(ProviderUsage usage) {
        List<SseEvent> events = new ArrayList<>();
        start(events);
        closeOpen(events);
        for (OpenItem call : callsByToolIndex.values()) {
            close(call, events);
        }
        String status = ResponsesTurn.statusFor(finishReason);
        ObjectNode response = turn.response(status, model);
        response.set("output", output);
        response.set("usage", ResponsesTurn.usage(json, usage));
        ObjectNode done = event("completed".equals(status) ? "response.completed" : "response.incomplete");
        done.set("response", response);
        events.add(sse(done));
        return events;
    }

    /** Keeps the finished response as the client gets it, cost included, before it goes out. */
    @Override
    public void delivering(List<SseEvent> closing) {
        for (SseEvent event : closing) {
            if ("response.completed".equals(event.event()) || "response.incomplete".equals(event.event())) {
                try {
                    turn.delivered((ObjectNode) json.readTree(event.data()).path("response"));
                } catch (IOException unreadable) {
                    throw new UncheckedIOException(unreadable);
                }
            }
        }
    }

    SseEvent failed(String message) {
        ObjectNode response = turn.response("failed", model);
        response.set("output", output);
        response.putObject("error").put("code", "server_error").put("message", message);
        ObjectNode failed = event("response.failed");
        failed.set("response", response);
        return sse(failed);
    }

    private void start(List<SseEvent> events) {
        if (started) {
            return;
        }
        started = true;
        for (String type : new String[]{"response.created", "response.in_progress"}) {
            ObjectNode event = event(type);
            event.set("response", turn.response("in_progress", model));
            events.add(sse(event));
        }
    }

    private void openMessage(List<SseEvent> events) {
        open = new OpenItem(ResponsesItems.newId("msg"), output.size(), false, null, null);
        output.add(turn.messageItem(open.id, "in_progress"));
        ObjectNode added = event("response.output_item.added").put("output_index", open.outputIndex);
        added.set("item", output.get(open.outputIndex).deepCopy());
        events.add(sse(added));
        ObjectNode part = event("response.content_part.added").put("item_id", open.id)
                .put("output_index", open.outputIndex).put("content_index", 0);
        part.set("part", turn.outputText(""));
        events.add(sse(part));
    }

    private void closeOpen(List<SseEvent> events) {
        if (open != null) {
            close(open, events);
            open = null;
        }
    }

    private void close(OpenItem item, List<SseEvent> events) {
        if (item.done) {
            return;
        }
        item.done = true;
        String content = item.content.toString();
        ObjectNode finished;
        if (item.functionCall) {
            events.add(sse(event("response.function_call_arguments.done").put("item_id", item.id)
                    .put("output_index", item.outputIndex).put("name", item.name).put("arguments", content)));
            finished = turn.functionCallItem(item.id, "completed", item.callId, item.name, content);
        } else {
            ObjectNode textDone = event("response.output_text.done").put("item_id", item.id)
                    .put("output_index", item.outputIndex).put("content_index", 0).put("text", content);
            textDone.putArray("logprobs");
            events.add(sse(textDone));
            ObjectNode partDone = event("response.content_part.done").put("item_id", item.id)
                    .put("output_index", item.outputIndex).put("content_index", 0);
            partDone.set("part", turn.outputText(content));
            events.add(sse(partDone));
            finished = turn.messageItem(item.id, "completed", turn.outputText(content));
        }
        output.set(item.outputIndex, finished);
        ObjectNode done = event("response.output_item.done").put("output_index", item.outputIndex);
        done.set("item", finished.deepCopy());
        events.add(sse(done));
    }

    private ObjectNode event(String type) {
        return json.createObjectNode().put("type", type).put("sequence_number", sequence++);
    }

    private static SseEvent sse(ObjectNode event) {
        return new SseEvent(event.get("type").asText(), event.toString());
    }
}
