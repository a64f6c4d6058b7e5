package io.tollgate.gateway.providers.bedrock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.providers.ChatPivot;
import io.tollgate.gateway.providers.ChunkTranslator;

import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * ConverseStream events → OpenAI chunks: {@code messageStart} → the role; {@code contentBlockStart} with a
 * {@code toolUse} → a tool call's id and name; {@code contentBlockDelta} → text ({@code content}), reasoning
 * ({@code reasoning_content}) or a piece of a tool call's arguments; {@code messageStop} → the finish reason;
 * {@code metadata} → the usage, emitted once by {@link #finish()} as a usage-only chunk.
 */
final class BedrockChunkTranslator implements ChunkTranslator {
    private final ObjectMapper json;
    private final String model;
    private final String id = "chatcmpl-bedrock-" + UUID.randomUUID();
    private final long created = Instant.now().getEpochSecond();
    /** Converse's content block index → the OpenAI tool call index of the toolUse in it. */
    private final Map<Integer, Integer> toolCallOfBlock = new HashMap<>();
    private JsonNode usage;

    BedrockChunkTranslator(ObjectMapper json, String model) {
        this.json = json;
        this.model = model;
    }

    @Override
    public List<ObjectNode> translate(String event, String data) {
        JsonNode payload = read(data);
        return switch (event == null ? "" : event) {
            case "messageStart" -> List.of(chunk(json.createObjectNode().put("role", "assistant").put("content", ""), null));
            case "contentBlockStart" -> toolCallStart(payload);
            case "contentBlockDelta" -> delta(payload);
            case "messageStop" -> List.of(chunk(json.createObjectNode(),
                    BedrockAdapter.finishReason(payload.path("stopReason").asText(""))));
            case "metadata" -> {
                if (payload.path("usage").isObject()) {
                    usage = payload.get("usage");
                }
                yield List.of();
            }
            default -> List.of();
        };
    }

    private List<ObjectNode> toolCallStart(JsonNode payload) {
        JsonNode toolUse = payload.path("start").path("toolUse");
        if (!toolUse.isObject()) {
            return List.of();
        }
        int index = toolCallOfBlock.size();
        toolCallOfBlock.put(payload.path("contentBlockIndex").asInt(), index);
        ObjectNode delta = json.createObjectNode();
        ObjectNode call = delta.putArray("tool_calls").addObject();
        call.put("index", index);
        call.put("id", toolUse.path("toolUseId").asText());
        call.put("type", "function");
        call.putObject("function").put("name", toolUse.path("name").asText()).put("arguments", "");
        return List.of(chunk(delta, null));
    }

    private List<ObjectNode> delta(JsonNode payload) {
        JsonNode delta = payload.path("delta");
        ObjectNode out = json.createObjectNode();
        if (delta.path("text").isTextual()) {
            out.put("content", delta.get("text").asText());
        } else if (delta.path("reasoningContent").path("text").isTextual()) {
            out.put("reasoning_content", delta.get("reasoningContent").get("text").asText());
        } else if (delta.path("toolUse").isObject()) {
            Integer index = toolCallOfBlock.get(payload.path("contentBlockIndex").asInt());
            if (index == null) {
                return List.of();
            }
            ObjectNode call = out.putArray("tool_calls").addObject();
            call.put("index", index);
            call.putObject("function").put("arguments", delta.get("toolUse").path("input").asText(""));
        } else {
            return List.of();
        }
        return List.of(chunk(out, null));
    }

    @Override
    public List<ObjectNode> finish() {
        if (usage == null) {
            return List.of();
        }
        ObjectNode chunk = head();
        chunk.putArray("choices");
        chunk.set("usage", BedrockAdapter.usage(json, usage));
        usage = null;
        return List.of(chunk);
    }

    private ObjectNode head() {
        ObjectNode chunk = json.createObjectNode();
        chunk.put("id", id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", model);
        return chunk;
    }

    private ObjectNode chunk(ObjectNode delta, String finishReason) {
        return ChatPivot.chunk(head(), 0, delta, finishReason);
    }

    private JsonNode read(String data) {
        try {
            return json.readTree(data);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("Bedrock sent an unreadable stream event", e);
        }
    }
}
