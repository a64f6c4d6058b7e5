package io.tollgate.gateway.providers.gemini;

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
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Gemini {@code streamGenerateContent?alt=sse} events (each a whole GenerateContentResponse) → OpenAI
 * chunks. The first candidate chunk carries {@code role}; text parts → {@code content}; thought parts →
 * {@code reasoning_content}; each functionCall part → one tool-call chunk with its whole arguments; a
 * finishReason → a chunk with {@code finish_reason} ({@code tool_calls} when functions were called). Gemini
 * repeats usageMetadata on every event, cumulatively: the last one becomes the single usage-only chunk that
 * {@link #finish()} emits.
 */
final class GeminiChunkTranslator implements ChunkTranslator {
    private final ObjectMapper json;
    private final String requestedModel;
    private final long created = Instant.now().getEpochSecond();
    private String id;
    private String model;
    private JsonNode usage;
    private final Set<Integer> started = new HashSet<>();
    private int toolCalls;
    private boolean calledFunctions;

    public GeminiChunkTranslator(ObjectMapper json, String model) {
        this.json = json;
        this.requestedModel = model;
    }

    @Override
    public List<ObjectNode> translate(String event, String data) {
        JsonNode response = read(data);
        if (response.isArray()) {
            response = response.path(0);
        }
        if (response.has("error")) {
            JsonNode error = response.get("error");
            throw new UncheckedIOException(new IOException("Gemini stream error: "
                    + error.path("status").asText(error.path("code").asText("")) + ": " + error.path("message").asText("")));
        }
        if (id == null) {
            id = response.path("responseId").asText("gemini");
            model = response.path("modelVersion").asText(requestedModel);
        }
        if (response.path("usageMetadata").isObject()) {
            usage = response.get("usageMetadata");
        }
        List<ObjectNode> out = new ArrayList<>();
        for (JsonNode candidate : response.path("candidates")) {
            int index = candidate.path("index").asInt(0);
            ObjectNode delta = json.createObjectNode();
            if (started.add(index)) {
                delta.put("role", "assistant");
            }
            var text = new StringBuilder();
            var reasoning = new StringBuilder();
            List<ObjectNode> calls = new ArrayList<>();
            for (JsonNode part : candidate.path("content").path("parts")) {
                if (part.has("functionCall")) {
                    JsonNode call = part.get("functionCall");
                    ObjectNode toolCall = json.createObjectNode();
                    int callIndex = toolCalls++;
                    toolCall.put("index", callIndex);
                    toolCall.put("id", call.path("id").asText(GeminiAdapter.callId(response, callIndex)));
                    toolCall.put("type", "function");
                    toolCall.putObject("function").put("name", call.path("name").asText())
                            .put("arguments", call.path("args").isObject() ? call.get("args").toString() : "{}");
                    calls.add(toolCall);
                    calledFunctions = true;
                } else if (part.path("text").isTextual()) {
                    (part.path("thought").asBoolean(false) ? reasoning : text).append(part.get("text").asText());
                }
            }
            if (!text.isEmpty() || delta.has("role")) {
                delta.put("content", text.toString());
            }
            if (!reasoning.isEmpty()) {
                delta.put("reasoning_content", reasoning.toString());
            }
            if (!calls.isEmpty()) {
                delta.putArray("tool_calls").addAll(calls);
            }
            String finish = GeminiAdapter.finishReason(candidate.path("finishReason").asText(null), false);
            if (finish != null && calledFunctions && finish.equals("stop")) {
                finish = "tool_calls";
            }
            if (!delta.isEmpty()) {
                out.add(chunk(index, delta, null));
            }
            if (finish != null) {
                out.add(chunk(index, json.createObjectNode(), finish));
            }
        }
        if (response.path("candidates").isEmpty() && response.path("promptFeedback").has("blockReason")) {
            out.add(chunk(0, json.createObjectNode().put("role", "assistant").put("content", ""), "content_filter"));
        }
        return out;
    }

    @Override
    public List<ObjectNode> finish() {
        if (usage == null) {
            return List.of();
        }
        ObjectNode chunk = head();
        chunk.putArray("choices");
        chunk.set("usage", GeminiAdapter.usage(json, usage));
        usage = null;
        return List.of(chunk);
    }

    private ObjectNode head() {
        ObjectNode chunk = json.createObjectNode();
        chunk.put("id", id == null ? "gemini" : id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", model == null ? requestedModel : model);
        return chunk;
    }

    private ObjectNode chunk(int index, ObjectNode delta, String finishReason) {
        return ChatPivot.chunk(head(), index, delta, finishReason);
    }

    private JsonNode read(String data) {
        try {
            return json.readTree(data);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("Gemini sent an unreadable stream event", e);
        }
    }
}
