package io.tollgate.gateway.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.providers.ProviderUsage;

import java.util.Optional;

/** Reads what the gateway needs from an OpenAI chat completion: usage ({@link OutputTally} counts without it). */
public final class OpenAiAnswers {
    /**
     * Input written to the provider's prompt cache, in the pivot's usage: OpenRouter's name for it, which the
     * Anthropic adapter fills from {@code cache_creation_input_tokens}.
     */
    public static final String CACHE_WRITE_TOKENS = "cache_write_tokens";

    private OpenAiAnswers() {
    }

    public static Optional<ProviderUsage> usage(JsonNode completionOrChunk) {
        JsonNode usage = completionOrChunk.path("usage");
        if (!usage.isObject()) {
            return Optional.empty();
        }
        return Optional.of(new ProviderUsage(
                usage.path("prompt_tokens").asLong(0),
                usage.path("completion_tokens").asLong(0),
                usage.path("prompt_tokens_details").path("cached_tokens").asLong(0),
                usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0),
                usage.path("prompt_tokens_details").path(CACHE_WRITE_TOKENS).asLong(0)));
    }

    /**
     * The pivot's usage object, as OpenAI writes it, from another family's counts: {@code promptTokens}
     * includes the cached and cache-written input; cache writes, billed apart, are named only when present.
     */
    public static ObjectNode usageObject(ObjectMapper json, long promptTokens, long completionTokens,
                                         long cachedTokens, long cacheWriteTokens, long reasoningTokens) {
        ObjectNode usage = json.createObjectNode();
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        ObjectNode promptDetails = usage.putObject("prompt_tokens_details").put("cached_tokens", cachedTokens);
        if (cacheWriteTokens > 0) {
            promptDetails.put(CACHE_WRITE_TOKENS, cacheWriteTokens);
        }
        usage.putObject("completion_tokens_details").put("reasoning_tokens", reasoningTokens);
        return usage;
    }
}
