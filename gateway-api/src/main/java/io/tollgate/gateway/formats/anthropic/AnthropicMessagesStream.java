package io.tollgate.gateway.formats.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.formats.ClientStream;
import io.tollgate.gateway.providers.ProviderUsage;
import io.tollgate.gateway.providers.openai.OpenAiAnswers;
import io.tollgate.gateway.providers.wire.SseEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI chunks → Anthropic's event sequence: message_start (with the input tokens when a chunk already
 * reported them, else 0), then per content block content_block_start / content_block_delta (text_delta or
 * input_json_delta) / content_block_stop, and at {@link #finish} message_delta (stop_reason and the final
 * usage) and message_stop. Reasoning deltas are dropped: Anthropic thinking blocks need signatures the
 * gateway cannot produce.
 */
final class AnthropicMessagesStream implements ClientStream {
    private final ObjectMapper json;
    private final String model;
    private String id;
    private boolean started;
    /** Index of the open block, or -1. */
    private int openBlock = -1;
    private String openType;
    private int nextBlock;
    private final Map<Integer, Integer> blockByToolIndex = new HashMap<>();
    private String stopReason;
    private ProviderUsage reported;

    public AnthropicMessagesStream(ObjectMapper json, String model) {
        this.json = json;
        this.model = model;
    }

    @Override
    public List<SseEvent> onChunk(ObjectNode chunk) {
        List<SseEvent> events = new ArrayList<>();
        JsonNode usage = chunk.path("usage");
        if (usage.isObject()) {
            reported = OpenAiAnswers.usage(chunk).orElseThrow();
        }
        if (!started) {
            if (id == null && chunk.path("id").isTextual()) {
                id = AnthropicMessagesFormat.messageId(chunk.get("id").asText());
            }
            if (chunk.path("choices").isEmpty()) {
                return events; // a usage-only chunk before anything else: wait
            }
            start(events);
        }
        for (JsonNode choice : chunk.path("choices")) {
            if (choice.path("index").asInt(0) != 0) {
                continue;
            }
            JsonNode delta = choice.path("delta");
            String text = delta.path("content").isTextual() ? delta.get("content").asText() : "";
            if (!text.isEmpty()) {
                if (!"text".equals(openType)) {
                    closeBlock(events);
                    ObjectNode block = json.createObjectNode().put("type", "text").put("text", "");
                    openBlock(events, "text", block);
                }
                ObjectNode textDelta = json.createObjectNode().put("type", "text_delta").put("text", text);
                events.add(delta(openBlock, textDelta));
            }
            for (JsonNode call : delta.path("tool_calls")) {
                int toolIndex = call.path("index").asInt(0);
                Integer block = blockByToolIndex.get(toolIndex);
                if (block == null) {
                    closeBlock(events);
                    ObjectNode toolUse = json.createObjectNode();
                    toolUse.put("type", "tool_use");
                    toolUse.put("id", call.path("id").asText("toolu_" + toolIndex));
                    toolUse.put("name", call.path("function").path("name").asText(""));
                    toolUse.putObject("input");
                    block = openBlock(events, "tool_use", toolUse);
                    blockByToolIndex.put(toolIndex, block);
                }
                String arguments = call.path("function").path("arguments").asText("");
                if (!arguments.isEmpty()) {
                    ObjectNode jsonDelta = json.createObjectNode().put("type", "input_json_delta")
                            .put("partial_json", arguments);
                    events.add(delta(block, jsonDelta));
                }
            }
            if (choice.path("finish_reason").isTextual()) {
                stopReason = AnthropicMessagesFormat.stopReason(choice.get("finish_reason").asText());
            }
        }
        return events;
    }

    @Override
    public List<SseEvent> finish(ProviderUsage usage) {
        List<SseEvent> events = new ArrayList<>();
        if (!started) {
            start(events);
        }
        closeBlock(events);
        ProviderUsage last = usage != null ? usage : reported;
        ObjectNode messageDelta = json.createObjectNode().put("type", "message_delta");
        messageDelta.putObject("delta").put("stop_reason", stopReason == null ? "end_turn" : stopReason)
                .putNull("stop_sequence");
        ObjectNode deltaUsage = messageDelta.putObject("usage");
        if (last != null) {
            deltaUsage.put("input_tokens", Math.max(0, last.inputTokens() - last.cachedInputTokens()
                    - last.cacheWriteTokens()));
            deltaUsage.put("cache_creation_input_tokens", last.cacheWriteTokens());
            deltaUsage.put("cache_read_input_tokens", last.cachedInputTokens());
        }
        deltaUsage.put("output_tokens", last == null ? 0 : last.outputTokens());
        events.add(event(messageDelta));
        events.add(event(json.createObjectNode().put("type", "message_stop")));
        return events;
    }

    private void start(List<SseEvent> events) {
        started = true;
        ObjectNode start = json.createObjectNode().put("type", "message_start");
        ObjectNode message = start.putObject("message");
        message.put("id", id != null ? id : AnthropicMessagesFormat.messageId(null));
        message.put("type", "message");
        message.put("role", "assistant");
        message.putArray("content");
        message.put("model", model);
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        ObjectNode usage = message.putObject("usage");
        usage.put("input_tokens", reported == null ? 0 : Math.max(0, reported.inputTokens() - reported.cachedInputTokens()
                - reported.cacheWriteTokens()));
        usage.put("cache_creation_input_tokens", reported == null ? 0 : reported.cacheWriteTokens());
        usage.put("cache_read_input_tokens", reported == null ? 0 : reported.cachedInputTokens());
        usage.put("output_tokens", 0);
        events.add(event(start));
    }

    private int openBlock(List<SseEvent> events, String type, ObjectNode block) {
        int index = nextBlock++;
        openBlock = index;
        openType = type;
        ObjectNode start = json.createObjectNode().put("type", "content_block_start").put("index", index);
        start.set("content_block", block);
        events.add(event(start));
        return index;
    }

    private void closeBlock(List<SseEvent> events) {
        if (openBlock >= 0) {
            events.add(event(json.createObjectNode().put("type", "content_block_stop").put("index", openBlock)));
            openBlock = -1;
            openType = null;
        }
    }

    private SseEvent delta(int index, ObjectNode delta) {
        ObjectNode event = json.createObjectNode().put("type", "content_block_delta").put("index", index);
        event.set("delta", delta);
        return event(event);
    }

    private static SseEvent event(ObjectNode data) {
        return new SseEvent(data.get("type").asText(), data.toString());
    }
}
