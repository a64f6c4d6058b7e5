package io.tollgate.gateway.providers.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.providers.ChatPivot;
import io.tollgate.gateway.providers.ChunkTranslator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Anthropic stream events → OpenAI chunks. message_start gives the role chunk ({@code content:""});
 * text_delta → {@code delta.content}; a tool_use block start → a tool-call chunk with index, id, type, name
 * and empty arguments; input_json_delta → argument fragments; thinking_delta → {@code delta.reasoning_content};
 * message_delta → a chunk with {@code finish_reason}; message_stop (or the end of the stream, if it never
 * came) → the usage-only chunk. ping, content_block_stop and signature deltas give nothing.
 *
 * <p>An {@code error} event throws {@link UncheckedIOException}: the stream is broken, as if the
 * connection had dropped.
 */
final class AnthropicChunkTranslator implements ChunkTranslator {
    private final ObjectMapper json;
    private final long created = Instant.now().getEpochSecond();
    private String id = "msg";
    private String model;
    private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();
    private int toolCalls;
    private final ObjectNode usage;
    private boolean started;
    private boolean usageSent;

    public AnthropicChunkTranslator(ObjectMapper json, String model) {
        this.json = json;
        this.model = model;
        this.usage = json.createObjectNode();
    }

    @Override
    public List<ObjectNode> translate(String event, String data) {
        JsonNode payload = read(data);
        String type = payload.path("type").asText(event == null ? "" : event);
        List<ObjectNode> out = new ArrayList<>(1);
        switch (type) {
            case "message_start" -> {
                JsonNode message = payload.path("message");
                id = message.path("id").asText(id);
                model = message.path("model").asText(model);
                mergeUsage(message.path("usage"));
                started = true;
                ObjectNode delta = json.createObjectNode().put("role", "assistant").put("content", "");
                out.add(chunk(delta, null));
            }
            case "content_block_start" -> {
                JsonNode block = payload.path("content_block");
                switch (block.path("type").asText()) {
                    case "text" -> {
                        if (!block.path("text").asText("").isEmpty()) {
                            out.add(chunk(json.createObjectNode().put("content", block.get("text").asText()), null));
                        }
                    }
                    case "tool_use" -> {
                        int index = toolCalls++;
                        toolIndexByBlock.put(payload.path("index").asInt(), index);
                        ObjectNode call = json.createObjectNode();
                        call.put("index", index);
                        call.put("id", block.path("id").asText());
                        call.put("type", "function");
                        call.putObject("function").put("name", block.path("name").asText()).put("arguments", "");
                        ObjectNode delta = json.createObjectNode();
                        delta.putArray("tool_calls").add(call);
                        out.add(chunk(delta, null));
                    }
                    default -> { }
                }
            }
            case "content_block_delta" -> {
                JsonNode delta = payload.path("delta");
                switch (delta.path("type").asText()) {
                    case "text_delta" -> out.add(chunk(json.createObjectNode().put("content", delta.path("text").asText()), null));
                    case "thinking_delta" -> out.add(chunk(
                            json.createObjectNode().put("reasoning_content", delta.path("thinking").asText()), null));
                    case "input_json_delta" -> {
                        Integer index = toolIndexByBlock.get(payload.path("index").asInt());
                        String partial = delta.path("partial_json").asText("");
                        if (index != null && !partial.isEmpty()) {
                            ObjectNode call = json.createObjectNode().put("index", index);
                            call.putObject("function").put("arguments", partial);
                            ObjectNode chunkDelta = json.createObjectNode();
                            chunkDelta.putArray("tool_calls").add(call);
                            out.add(chunk(chunkDelta, null));
                        }
                    }
                    default -> { }
                }
            }
            case "message_delta" -> {
                mergeUsage(payload.path("usage"));
                String stopReason = payload.path("delta").path("stop_reason").asText(null);
                if (stopReason != null) {
                    out.add(chunk(json.createObjectNode(), AnthropicAdapter.finishReason(stopReason)));
                }
            }
            case "message_stop" -> usageChunk().ifPresent(out::add);
            case "error" -> {
                JsonNode error = payload.path("error");
                throw new UncheckedIOException(new IOException("Anthropic stream error: "
                        + error.path("type").asText("error") + ": " + error.path("message").asText("")));
            }
            default -> { } // ping, content_block_stop, unknown future events
        }
        return out;
    }

    @Override
    public List<ObjectNode> finish() {
        return usageChunk().map(List::of).orElse(List.of());
    }

    private java.util.Optional<ObjectNode> usageChunk() {
        if (usageSent || !started) {
            return java.util.Optional.empty();
        }
        usageSent = true;
        ObjectNode chunk = head();
        chunk.putArray("choices");
        chunk.set("usage", AnthropicAdapter.usage(json, usage));
        return java.util.Optional.of(chunk);
    }

    /** message_delta usage is cumulative; newer API versions repeat the input counts there too. */
    private void mergeUsage(JsonNode reported) {
        for (Map.Entry<String, JsonNode> field : reported.properties()) {
            if (field.getValue().isNumber()) {
                usage.set(field.getKey(), field.getValue());
            }
        }
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
            throw new UncheckedIOException("Anthropic sent an unreadable stream event", e);
        }
    }
}
