package io.tollgate.gateway.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.gateway.providers.ProviderUsage;

import java.util.Optional;

/** Reads what the gateway needs from an OpenAI chat completion: usage, and the text for counting without it. */
public final class OpenAiAnswers {
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
                usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0)));
    }

    public static String text(JsonNode completion) {
        var text = new StringBuilder();
        for (JsonNode choice : completion.path("choices")) {
            text.append(choice.path("message").path("content").asText(""));
        }
        return text.toString();
    }
}
