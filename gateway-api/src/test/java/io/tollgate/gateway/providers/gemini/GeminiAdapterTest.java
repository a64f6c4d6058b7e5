package io.tollgate.gateway.providers.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.formats.anthropic.AnthropicMessagesFormat;
import io.tollgate.gateway.providers.WireFormat;
import io.tollgate.gateway.providers.anthropic.WireFixtures;
import io.tollgate.gateway.providers.wire.SseEvent;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;

import static io.tollgate.gateway.providers.anthropic.WireFixtures.JSON;
import static io.tollgate.gateway.providers.anthropic.WireFixtures.chunks;
import static io.tollgate.gateway.providers.anthropic.WireFixtures.json;
import static io.tollgate.gateway.providers.anthropic.WireFixtures.n;
import static io.tollgate.gateway.providers.anthropic.WireFixtures.parse;
import static io.tollgate.gateway.providers.anthropic.WireFixtures.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GeminiAdapterTest {
    private static final URI BASE = URI.create("https://generativelanguage.googleapis.com/v1beta");
    private final GeminiAdapter adapter = new GeminiAdapter(JSON);

    private static ObjectNode chat(String json) {
        return (ObjectNode) parse(json);
    }

    @Test
    void buildsGenerateContentAndStreamRequests() {
        HttpRequest plain = adapter.chatRequest(BASE, "AIza-test", chat("""
                {"model":"gemini-2.5-flash","messages":[{"role":"user","content":"Hi"}]}""")).build();
        assertThat(plain.uri()).hasToString("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent");
        assertThat(plain.headers().firstValue("x-goog-api-key")).hasValue("AIza-test");
        assertThat(plain.headers().firstValue("authorization")).isEmpty();
        assertThat(parse(WireFixtures.body(plain))).isEqualTo(parse("""
                {"contents":[{"role":"user","parts":[{"text":"Hi"}]}]}"""));

        HttpRequest stream = adapter.chatRequest(URI.create("https://generativelanguage.googleapis.com/v1beta/"), "k",
                chat("{\"model\":\"models/gemini-2.5-pro\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")).build();
        assertThat(stream.uri()).hasToString(
                "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse");
        assertThat(parse(WireFixtures.body(stream)).has("stream")).isFalse();
    }

    @Test
    void translatesAFullRequest() {
        ObjectNode body = adapter.toGenerateContentRequest(chat("""
                {
                  "model": "gemini-2.5-flash",
                  "max_completion_tokens": 500,
                  "temperature": 0.2, "top_p": 0.8, "seed": 42, "stop": ["\\n\\n"],
                  "reasoning_effort": "low",
                  "messages": [
                    {"role": "system", "content": "You are a helpful assistant."},
                    {"role": "user", "content": [
                      {"type": "text", "text": "What's the weather where this was taken?"},
                      {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/4AAQ"}},
                      {"type": "image_url", "image_url": {"url": "https://example.com/photo.png?size=large"}}
                    ]},
                    {"role": "assistant", "content": "Checking.", "tool_calls": [
                      {"id": "call_a", "type": "function", "function": {"name": "get_current_temperature", "arguments": "{\\"location\\":\\"London\\"}"}},
                      {"id": "call_b", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}
                    ]},
                    {"role": "tool", "tool_call_id": "call_a", "content": "{\\"temperature\\": 18, \\"unit\\": \\"celsius\\"}"},
                    {"role": "tool", "tool_call_id": "call_b", "content": "10:00"}
                  ],
                  "tools": [{"type": "function", "function": {"name": "get_current_temperature",
                    "description": "Gets the current temperature for a given location.",
                    "parameters": {"type": "object", "additionalProperties": false, "$schema": "http://json-schema.org/draft-07/schema#",
                      "properties": {"location": {"type": "string", "description": "The city name, e.g. San Francisco"},
                                     "unit": {"type": ["string", "null"], "enum": ["celsius", "fahrenheit", null]}},
                      "required": ["location"]}}},
                    {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}}],
                  "tool_choice": {"type": "function", "function": {"name": "get_current_temperature"}}
                }"""));
        assertThat(body).isEqualTo(parse("""
                {
                  "contents": [
                    {"role": "user", "parts": [
                      {"text": "What's the weather where this was taken?"},
                      {"inlineData": {"mimeType": "image/jpeg", "data": "/9j/4AAQ"}},
                      {"fileData": {"mimeType": "image/png", "fileUri": "https://example.com/photo.png?size=large"}}
                    ]},
                    {"role": "model", "parts": [
                      {"text": "Checking."},
                      {"functionCall": {"name": "get_current_temperature", "args": {"location": "London"}},
                       "thoughtSignature": "skip_thought_signature_validator"},
                      {"functionCall": {"name": "get_time", "args": {}}}
                    ]},
                    {"role": "user", "parts": [
                      {"functionResponse": {"name": "get_current_temperature", "response": {"temperature": 18, "unit": "celsius"}}},
                      {"functionResponse": {"name": "get_time", "response": {"result": "10:00"}}}
                    ]}
                  ],
                  "systemInstruction": {"parts": [{"text": "You are a helpful assistant."}]},
                  "tools": [{"functionDeclarations": [
                    {"name": "get_current_temperature", "description": "Gets the current temperature for a given location.",
                     "parameters": {"type": "object",
                       "properties": {"location": {"type": "string", "description": "The city name, e.g. San Francisco"},
                                      "unit": {"type": "string", "nullable": true, "enum": ["celsius", "fahrenheit", null]}},
                       "required": ["location"]}},
                    {"name": "get_time"}
                  ]}],
                  "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_current_temperature"]}},
                  "generationConfig": {"maxOutputTokens": 500, "temperature": 0.2, "topP": 0.8, "seed": 42,
                    "stopSequences": ["\\n\\n"], "thinkingConfig": {"thinkingBudget": 1024}}
                }"""));
    }

    @Test
    void mapsJsonModesAndToolChoiceModes() {
        ObjectNode schema = adapter.toGenerateContentRequest(chat("""
                {"model":"g","messages":[{"role":"user","content":"List cookies"}],
                 "response_format":{"type":"json_schema","json_schema":{"name":"recipes","strict":true,"schema":{
                   "type":"array","items":{"type":"object","additionalProperties":false,
                     "properties":{"recipeName":{"type":"string"},"ingredients":{"type":"array","items":{"type":"string"}}},
                     "required":["recipeName"]}}}}}"""));
        assertThat(schema.get("generationConfig")).isEqualTo(parse("""
                {"responseMimeType":"application/json","responseSchema":{"type":"array","items":{"type":"object",
                  "properties":{"recipeName":{"type":"string"},"ingredients":{"type":"array","items":{"type":"string"}}},
                  "required":["recipeName"]}}}"""));
        ObjectNode object = adapter.toGenerateContentRequest(chat("""
                {"model":"g","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"},
                 "tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"required"}"""));
        assertThat(object.at("/generationConfig/responseMimeType").asText()).isEqualTo("application/json");
        assertThat(object.at("/toolConfig/functionCallingConfig")).isEqualTo(parse("{\"mode\":\"ANY\"}"));
    }

    @Test
    void refusesAToolAnswerWithoutItsCall() {
        assertThatThrownBy(() -> adapter.toGenerateContentRequest(chat("""
                {"model":"g","messages":[{"role":"user","content":"x"},{"role":"tool","tool_call_id":"call_zz","content":"1"}]}""")))
                .isInstanceOf(GatewayException.class).hasMessageContaining("call_zz");
    }

    @Test
    void translatesATextAnswerWithThinkingTokens() {
        ObjectNode completion = adapter.toChatCompletion(json("gemini/response-text.json"), "gemini-2.5-flash");
        assertThat(completion.path("id").asText()).isEqualTo("7Y2jaOqVOoWDm9IPk7TQsQM");
        assertThat(completion.path("model").asText()).isEqualTo("gemini-2.5-flash");
        assertThat(completion.at("/choices/0/message/content").asText())
                .isEqualTo("AI learns patterns from data to make predictions or decisions.");
        assertThat(completion.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(n(completion.get("usage"))).isEqualTo(parse("""
                {"prompt_tokens":8,"completion_tokens":1098,"total_tokens":1106,
                 "prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":1086}}"""));
    }

    @Test
    void translatesAFunctionCallAnswer() {
        ObjectNode completion = adapter.toChatCompletion(json("gemini/response-function-call.json"), "gemini-2.5-flash");
        JsonNode message = completion.at("/choices/0/message");
        assertThat(message.get("content").isNull()).isTrue();
        assertThat(message.at("/tool_calls/0/id").asText()).isEqualTo("call_HYF3aJ2yK8SFm9IP0r2ekQo_0");
        assertThat(message.at("/tool_calls/0/function/name").asText()).isEqualTo("schedule_meeting");
        assertThat(parse(message.at("/tool_calls/0/function/arguments").asText())).isEqualTo(parse(
                "{\"attendees\":[\"Bob\",\"Alice\"],\"date\":\"2025-03-27\",\"time\":\"10:00\",\"topic\":\"Q3 planning\"}"));
        assertThat(completion.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(completion.at("/usage/prompt_tokens").asLong()).isEqualTo(106);
        assertThat(completion.at("/usage/prompt_tokens_details/cached_tokens").asLong()).isEqualTo(64);
        assertThat(completion.at("/usage/completion_tokens").asLong()).isEqualTo(166);
    }

    @Test
    void mapsFinishReasons() {
        assertThat(GeminiAdapter.finishReason("STOP", false)).isEqualTo("stop");
        assertThat(GeminiAdapter.finishReason("MAX_TOKENS", false)).isEqualTo("length");
        assertThat(GeminiAdapter.finishReason("SAFETY", false)).isEqualTo("content_filter");
        assertThat(GeminiAdapter.finishReason("RECITATION", false)).isEqualTo("content_filter");
        assertThat(GeminiAdapter.finishReason("STOP", true)).isEqualTo("tool_calls");
        assertThat(GeminiAdapter.finishReason(null, false)).isNull();
        ObjectNode blocked = adapter.toChatCompletion(parse("""
                {"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":5,"totalTokenCount":5}}"""), "g");
        assertThat(blocked.at("/choices/0/finish_reason").asText()).isEqualTo("content_filter");
    }

    @Test
    void streamsTextAndEmitsUsageOnceAtFinish() {
        List<ObjectNode> chunks = chunks(adapter.chunkTranslator("gemini-2.5-flash"), text("gemini/stream-text.sse"));
        assertThat(chunks).hasSize(5);
        assertThat(chunks.get(0).at("/choices/0/delta")).isEqualTo(parse("{\"role\":\"assistant\",\"content\":\"The\"}"));
        assertThat(chunks.get(1).at("/choices/0/delta")).isEqualTo(parse(
                "{\"content\":\" old lighthouse keeper, Silas, had seen a thousand storms\"}"));
        assertThat(chunks.get(2).at("/choices/0/delta/content").asText()).isEqualTo(".");
        assertThat(chunks.get(3).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(chunks.stream().filter(c -> c.has("usage")).count()).isEqualTo(1);
        assertThat(chunks.get(4).path("choices")).isEmpty();
        assertThat(n(chunks.get(4).get("usage"))).isEqualTo(parse("""
                {"prompt_tokens":10,"completion_tokens":534,"total_tokens":544,
                 "prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":520}}"""));
        assertThat(chunks).allSatisfy(c -> assertThat(c.path("id").asText()).isEqualTo("mAitaKvjBsKSm9IP-NvVsAk"));
    }

    @Test
    void streamsFunctionCalls() {
        List<ObjectNode> chunks = chunks(adapter.chunkTranslator("g"), text("gemini/stream-function-call.sse"));
        assertThat(chunks).hasSize(3);
        JsonNode call = chunks.get(0).at("/choices/0/delta/tool_calls/0");
        assertThat(call.path("index").asInt()).isZero();
        assertThat(call.path("type").asText()).isEqualTo("function");
        assertThat(call.at("/function/name").asText()).isEqualTo("get_current_temperature");
        assertThat(parse(call.at("/function/arguments").asText())).isEqualTo(parse("{\"location\":\"London\"}"));
        assertThat(chunks.get(1).at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(chunks.get(2).at("/usage/prompt_tokens_details/cached_tokens").asLong()).isEqualTo(32);
    }

    @Test
    void anErrorInTheStreamBreaksIt() {
        var translator = adapter.chunkTranslator("g");
        List<SseEvent> events = WireFixtures.events(text("gemini/stream-error.sse"));
        translator.translate(null, events.get(0).data());
        assertThatThrownBy(() -> translator.translate(null, events.get(1).data()))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("UNAVAILABLE")
                .hasMessageContaining("overloaded");
    }

    @Test
    void aGeminiStreamReachesAnAnthropicClient() {
        List<ObjectNode> chunks = chunks(adapter.chunkTranslator("g"), text("gemini/stream-function-call.sse"));
        List<SseEvent> events = WireFixtures.clientEvents(new AnthropicMessagesFormat(JSON).stream("google/gemini-2.5-flash"), chunks);
        assertThat(events).extracting(SseEvent::event).containsExactly("message_start", "content_block_start",
                "content_block_delta", "content_block_stop", "message_delta", "message_stop");
        assertThat(parse(events.get(1).data()).at("/content_block/name").asText()).isEqualTo("get_current_temperature");
        assertThat(parse(events.get(4).data()).at("/delta/stop_reason").asText()).isEqualTo("tool_use");
        assertThat(parse(events.get(4).data()).at("/usage/output_tokens").asLong()).isEqualTo(74);
    }

    @Test
    void translatesEmbeddings() {
        HttpRequest request = adapter.embeddingsRequest(BASE, "k", chat("""
                {"model":"gemini-embedding-001","input":["What is the meaning of life?","How much wood?"],"dimensions":768}"""))
                .orElseThrow().build();
        assertThat(request.uri()).hasToString(
                "https://generativelanguage.googleapis.com/v1beta/models/gemini-embedding-001:batchEmbedContents");
        assertThat(parse(WireFixtures.body(request))).isEqualTo(parse("""
                {"requests":[
                  {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"What is the meaning of life?"}]},"outputDimensionality":768},
                  {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"How much wood?"}]},"outputDimensionality":768}]}"""));
        assertThat(adapter.toBatchEmbedRequest(chat("{\"model\":\"e\",\"input\":\"one\"}")).get("requests")).hasSize(1);
        assertThatThrownBy(() -> adapter.toBatchEmbedRequest(chat("{\"model\":\"e\",\"input\":[[1,2,3]]}")))
                .isInstanceOf(GatewayException.class);

        ObjectNode response = adapter.toEmbeddingsResponse(json("gemini/embeddings-response.json"), "gemini-embedding-001");
        assertThat(response.path("object").asText()).isEqualTo("list");
        assertThat(response.path("data")).hasSize(2);
        assertThat(response.at("/data/1/index").asInt()).isEqualTo(1);
        assertThat(response.at("/data/0/object").asText()).isEqualTo("embedding");
        assertThat(response.at("/data/0/embedding/0").asDouble()).isEqualTo(0.013168523);
        assertThat(response.path("model").asText()).isEqualTo("gemini-embedding-001");
        assertThat(response.path("usage").has("prompt_tokens")).isFalse();
    }

    @Test
    void readsErrorMessages() {
        assertThat(adapter.errorMessage(parse("""
                {"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT"}}""")))
                .hasValue("API key not valid. Please pass a valid API key.");
        assertThat(adapter.errorMessage(parse("[{\"error\":{\"code\":429,\"message\":\"Resource exhausted\"}}]")))
                .hasValue("Resource exhausted");
        assertThat(adapter.wireFormat()).isEqualTo(WireFormat.GEMINI);
    }
}
