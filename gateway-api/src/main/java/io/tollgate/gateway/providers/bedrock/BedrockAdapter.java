package io.tollgate.gateway.providers.bedrock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.providers.openai.OpenAiAnswers;
import io.tollgate.gateway.providers.ChunkTranslator;
import io.tollgate.gateway.providers.ProviderAdapter;
import io.tollgate.gateway.providers.WireFormat;
import io.tollgate.gateway.providers.wire.StreamEvents;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.http.SdkHttpMethod;

import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * Amazon Bedrock's Converse API: {@code POST {baseUrl}/model/{modelId}/converse}, or {@code /converse-stream}
 * when streaming (base URL like {@code https://bedrock-runtime.us-east-1.amazonaws.com}), signed with SigV4 for
 * the credential's region ({@link BedrockCredential}, {@link BedrockSigning}). Requests: {@link BedrockRequests};
 * streams are AWS event-stream frames ({@link BedrockEventStream}) translated by {@link BedrockChunkTranslator}.
 *
 * <p>Usage follows OpenAI's semantics as Anthropic's does: {@code prompt_tokens = inputTokens +
 * cacheReadInputTokens + cacheWriteInputTokens}, {@code cached_tokens = cacheReadInputTokens},
 * {@code completion_tokens = outputTokens}.
 *
 * <p>Errors ({@code {"message": …}} with the type in {@code x-amzn-ErrorType}): ThrottlingException (429) is
 * a rate limit; ValidationException (400) the client's mistake; AccessDeniedException, UnrecognizedClient and
 * InvalidSignature (403) the credential's; anything else (ResourceNotFound 404, ModelTimeout 408, ModelError
 * 424, 5xx) the provider failing, a 502 once no other deployment answers.
 */
@Component
public class BedrockAdapter implements ProviderAdapter {
    private final ObjectMapper json;
    private final BedrockRequests requests;
    /** Parsed once per credential and reused: the identity the signer takes and the region. */
    private final Cache<String, BedrockCredential> credentials = Caffeine.newBuilder().maximumSize(10_000).build();

    public BedrockAdapter(ObjectMapper json) {
        this.json = json;
        this.requests = new BedrockRequests(json);
    }

    @Override
    public WireFormat wireFormat() {
        return WireFormat.BEDROCK;
    }

    @Override
    public HttpRequest.Builder chatRequest(URI baseUrl, String secret, ObjectNode chatRequest) {
        boolean stream = chatRequest.path("stream").asBoolean(false);
        String model = chatRequest.path("model").asText();
        if (model.isBlank()) {
            throw GatewayException.badRequest("model is required");
        }
        byte[] body;
        try {
            body = json.writeValueAsBytes(requests.toConverseRequest(chatRequest));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        BedrockCredential credential = credential(secret);
        URI uri = BedrockSigning.under(BedrockSigning.regional(baseUrl, credential.region()),
                "/model/" + URLEncoder.encode(model, StandardCharsets.UTF_8).replace("+", "%20")
                        + (stream ? "/converse-stream" : "/converse"));
        return BedrockSigning.signed(SdkHttpMethod.POST, uri, body,
                stream ? "application/vnd.amazon.eventstream" : "application/json", credential);
    }

    /** The Converse body for an OpenAI chat request (what {@link #chatRequest} sends). */
    public ObjectNode toConverseRequest(ObjectNode chatRequest) {
        return requests.toConverseRequest(chatRequest);
    }

    BedrockCredential credential(String secret) {
        try {
            return credentials.get(secret, BedrockCredential::parse);
        } catch (IllegalArgumentException malformed) {
            // Registration refuses malformed credentials; one stored before that check is the operator's to fix.
            throw new GatewayException(org.springframework.http.HttpStatus.BAD_GATEWAY, "upstream_error",
                    "provider_misconfigured", "The gateway's Bedrock credential is malformed: " + malformed.getMessage());
        }
    }

    @Override
    public ObjectNode toChatCompletion(JsonNode answer, String model) {
        ObjectNode completion = json.createObjectNode();
        completion.put("id", "chatcmpl-bedrock-" + UUID.randomUUID());
        completion.put("object", "chat.completion");
        completion.put("created", Instant.now().getEpochSecond());
        completion.put("model", model);
        ObjectNode choice = completion.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        var text = new StringBuilder();
        var reasoning = new StringBuilder();
        ArrayNode calls = json.createArrayNode();
        for (JsonNode block : answer.path("output").path("message").path("content")) {
            if (block.path("text").isTextual()) {
                text.append(block.get("text").asText());
            } else if (block.path("toolUse").isObject()) {
                JsonNode toolUse = block.get("toolUse");
                ObjectNode call = calls.addObject();
                call.put("id", toolUse.path("toolUseId").asText());
                call.put("type", "function");
                call.putObject("function").put("name", toolUse.path("name").asText())
                        .put("arguments", toolUse.path("input").isObject() ? toolUse.get("input").toString() : "{}");
            } else if (block.path("reasoningContent").path("reasoningText").path("text").isTextual()) {
                reasoning.append(block.get("reasoningContent").get("reasoningText").get("text").asText());
            }
        }
        if (text.isEmpty() && !calls.isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", text.toString());
        }
        if (!reasoning.isEmpty()) {
            message.put("reasoning_content", reasoning.toString());
        }
        if (!calls.isEmpty()) {
            message.set("tool_calls", calls);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(answer.path("stopReason").asText("")));
        if (answer.path("usage").isObject()) {
            completion.set("usage", usage(json, answer.get("usage")));
        }
        return completion;
    }

    /** Converse's stopReason as OpenAI's finish_reason. */
    static String finishReason(String stopReason) {
        return switch (stopReason) {
            case "tool_use" -> "tool_calls";
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "guardrail_intervened", "content_filtered" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence
        };
    }

    /** Converse's usage as OpenAI's usage object. */
    static ObjectNode usage(ObjectMapper json, JsonNode usage) {
        long cacheRead = usage.path("cacheReadInputTokens").asLong(0);
        long cacheWrite = usage.path("cacheWriteInputTokens").asLong(0);
        long input = usage.path("inputTokens").asLong(0) + cacheRead + cacheWrite;
        long output = usage.path("outputTokens").asLong(0);
        // Bedrock bills Claude's cache writes as Anthropic does, at 1.25 times the input rate.
        return OpenAiAnswers.usageObject(json, input, output, cacheRead, cacheWrite, 0);
    }

    @Override
    public ChunkTranslator chunkTranslator(String model) {
        return new BedrockChunkTranslator(json, model);
    }

    @Override
    public StreamEvents streamEvents(InputStream body) {
        return new BedrockEventStream(body);
    }

    /** Bedrock's error body: {@code {"message": …}} ({@code Message} from some front ends). */
    @Override
    public Optional<String> errorMessage(JsonNode providerError) {
        for (String field : new String[]{"message", "Message"}) {
            if (providerError.path(field).isTextual()) {
                return Optional.of(providerError.get(field).asText());
            }
        }
        return Optional.empty();
    }

    /** Every 403 of Bedrock's is about the credential: access denied, an unknown key id, a bad signature. */
    @Override
    public boolean rejectsCredential(int httpStatus, JsonNode errorBody) {
        return httpStatus == 401 || httpStatus == 403;
    }

    @Override
    public String classify(int httpStatus) {
        if (httpStatus >= 200 && httpStatus < 300) {
            return null;
        }
        return switch (httpStatus) {
            case 400 -> "upstream_4xx";
            case 401, 403 -> "auth";
            case 429 -> "rate_limited";
            default -> "upstream_5xx";
        };
    }
}
