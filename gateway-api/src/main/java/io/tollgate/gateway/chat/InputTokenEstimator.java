package io.tollgate.gateway.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.springframework.stereotype.Component;

/**
 * Counts what a request will cost on input before the provider says, for the reservation. o200k_base
 * is the tokenizer of current OpenAI models; for other vendors it is an estimate, and settlement
 * corrects it with the provider's own count.
 */
@Component
public class InputTokenEstimator {
    /** Chat formats add a few tokens of framing per message and per reply. */
    private static final int TOKENS_PER_MESSAGE = 3;
    private static final int TOKENS_PER_REPLY = 3;

    private final Encoding encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    public long estimateChat(JsonNode messages) {
        long tokens = TOKENS_PER_REPLY;
        for (JsonNode message : messages) {
            tokens += TOKENS_PER_MESSAGE + countText(message.path("content"));
        }
        return tokens;
    }

    public long countText(String text) {
        return text == null || text.isEmpty() ? 0 : encoding.countTokensOrdinary(text);
    }

    private long countText(JsonNode content) {
        if (content.isTextual()) {
            return countText(content.asText());
        }
        long tokens = 0;
        for (JsonNode part : content) {
            if ("text".equals(part.path("type").asText())) {
                tokens += countText(part.path("text").asText());
            }
        }
        return tokens;
    }
}
