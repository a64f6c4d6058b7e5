package io.tollgate.gateway.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.tollgate.gateway.providers.WireFormat;
import io.tollgate.gateway.routing.Deployment;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Counts what a request will cost on input before the provider says, for the reservation: every part the
 * provider counts, not only the text. o200k_base is the tokenizer of current OpenAI models; for other
 * vendors it is an estimate, and settlement corrects it with the provider's own count (never above the
 * hold: see docs/ledger.md). Images, audio and files are counted per provider family ({@link MediaTokens});
 * a request that may go to several deployments is held at the dearest count among them.
 *
 * <p>Counted: message text (string or text parts, refusals, names), image, audio and file parts, assistant
 * {@code tool_calls} (function names and arguments), {@code tools} and legacy {@code functions} (their JSON),
 * {@code response_format} (its JSON schema) and {@code tool_choice}.
 */
@Component
public class InputTokenEstimator implements SmartInitializingSingleton {
    /** Chat formats add a few tokens of framing per message and per reply. */
    private static final int TOKENS_PER_MESSAGE = 3;
    private static final int TOKENS_PER_REPLY = 3;
    /** Framing of each tool definition and tool call, beyond its JSON. */
    private static final int TOKENS_PER_TOOL = 8;
    private static final List<String> TOOL_FIELDS = List.of("tools", "functions");
    private static final List<String> SCHEMA_FIELDS = List.of("response_format", "tool_choice");

    /**
     * Loading the tokenizer's 200,000 ranks took about a third of a second of the main thread at start-up (JFR);
     * it loads beside the rest of start-up instead, and a count that comes first waits for it.
     */
    private final CompletableFuture<Encoding> encoding = CompletableFuture.supplyAsync(
            () -> Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE));

    /** Start-up still fails when the tokenizer cannot load, as it did when it loaded in the constructor. */
    @Override
    public void afterSingletonsInstantiated() {
        encoding.join();
    }

    /** A chat request (the pivot shape) as the dearest of the deployments that may answer it counts it. */
    public long estimateChat(JsonNode body, Collection<Deployment> candidates) {
        Parts parts = parts(body);
        long dearest = 0;
        for (Deployment deployment : candidates) {
            dearest = Math.max(dearest, parts.tokens(deployment.provider().wireFormat(), deployment.model()));
        }
        return candidates.isEmpty() ? parts.tokens(WireFormat.OPENAI, null) : dearest;
    }

    /** A chat request as one provider family counts it. */
    public long estimateChat(JsonNode body, WireFormat family, String model) {
        return parts(body).tokens(family, model);
    }

    public long countText(String text) {
        return text == null || text.isEmpty() ? 0 : encoding.join().countTokensOrdinary(text);
    }

    private Parts parts(JsonNode body) {
        var parts = new Parts();
        parts.text = TOKENS_PER_REPLY;
        for (JsonNode message : body.path("messages")) {
            parts.text += TOKENS_PER_MESSAGE + countText(message.path("name").asText(null));
            countContent(message.path("content"), parts);
            parts.text += countText(message.path("refusal").asText(null));
            for (JsonNode call : message.path("tool_calls")) {
                JsonNode function = call.path("function");
                parts.text += TOKENS_PER_TOOL + countText(function.path("name").asText(null))
                        + countText(function.path("arguments").asText(null));
            }
            JsonNode legacyCall = message.path("function_call");
            if (legacyCall.isObject()) {
                parts.text += TOKENS_PER_TOOL + countText(legacyCall.path("name").asText(null))
                        + countText(legacyCall.path("arguments").asText(null));
            }
        }
        for (String field : TOOL_FIELDS) {
            for (JsonNode tool : body.path(field)) {
                parts.text += TOKENS_PER_TOOL + countText(tool.toString());
            }
        }
        for (String field : SCHEMA_FIELDS) {
            JsonNode value = body.path(field);
            if (value.isObject()) {
                parts.text += countText(value.toString());
            }
        }
        return parts;
    }

    private void countContent(JsonNode content, Parts parts) {
        if (content.isTextual()) {
            parts.text += countText(content.asText());
            return;
        }
        for (JsonNode part : content) {
            switch (part.path("type").asText()) {
                case "text" -> parts.text += countText(part.path("text").asText());
                case "refusal" -> parts.text += countText(part.path("refusal").asText());
                case "image_url" -> {
                    JsonNode image = part.path("image_url");
                    String url = image.isTextual() ? image.asText() : image.path("url").asText(null);
                    parts.images.add(new Image(MediaTokens.sizeOf(url), image.path("detail").asText("auto")));
                }
                case "input_audio" -> parts.audio += MediaTokens.audio(part.path("input_audio").path("format").asText(),
                        part.path("input_audio").path("data").asText(null));
                case "file" -> parts.files += MediaTokens.file(part.path("file").path("file_data").asText(null));
                default -> {
                    // Unknown part types are refused by the provider adapters; the text of any other part counts.
                    parts.text += countText(part.path("text").asText(null));
                }
            }
        }
    }

    private record Image(MediaTokens.ImageSize size, String detail) {
    }

    /** The parts of a request, counted once; the images are priced per provider family. */
    private static final class Parts {
        long text;
        long audio;
        long files;
        final List<Image> images = new ArrayList<>();

        long tokens(WireFormat family, String model) {
            long tokens = text + audio + files;
            for (Image image : images) {
                tokens += MediaTokens.image(family, model, image.size(), image.detail());
            }
            return tokens;
        }
    }
}
