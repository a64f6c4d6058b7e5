package io.tollgate.gateway.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
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

}
