package io.tollgate.gateway.catalogue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.gateway.providers.WireFormat;
import org.springframework.core.io.ClassPathResource;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The built-in catalogue: each provider kind (openai, anthropic, google, deepseek, xai, openrouter,
 * mistral, groq, doubao, poe, bedrock, ideogram, ollama, openai-compatible) with its wire family, default base URL, the name
 * LiteLLM's price list files its models under, and public models at list price, read from
 * {@code catalogue/models.json}.
 */
@Component
public class ModelCatalogue {
    private final Map<String, ProviderKind> kinds;

    public ModelCatalogue(ObjectMapper json) {
        try (InputStream in = new ClassPathResource("catalogue/models.json").getInputStream()) {
            this.kinds = parse(json.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("the model catalogue is unreadable", e);
        }
    }

    /**
     * A kind of provider: the vendor, the wire family it speaks and where it lives by default.
     *
     * @param litellmProvider the {@code litellm_provider} of the kind's entries in LiteLLM's price list, null
     *                        when LiteLLM lists none
     */
    public record ProviderKind(String name, WireFormat wireFormat, URI defaultBaseUrl, String litellmProvider,
                               List<ListedModel> models) {
    }

    /**
     * Prices in USD (= credits) per million tokens; perImage per image, perAudioSecond per second transcribed,
     * perSpeechCharacter per character spoken; null when not priced.
     */
    public record ListedModel(String model, BigDecimal inputPerMillion, BigDecimal outputPerMillion,
                              BigDecimal cachedInputPerMillion, BigDecimal perImage, BigDecimal embeddingPerMillion,
                              BigDecimal perAudioSecond, BigDecimal perSpeechCharacter) {
    }

    public Collection kinds() {
        return new Collection(List.copyOf(kinds.values()));
    }

    public Optional<ProviderKind> kind(String name) {
        return Optional.ofNullable(kinds.get(name));
    }

    /**
     * The kind a registered provider most likely is: the one whose default address it uses, else the one it
     * is named after. Providers keep no kind of their own, only a wire family and an address.
     */
    public Optional<ProviderKind> kindOf(String providerName, URI baseUrl) {
        String address = withoutTrailingSlash(baseUrl.toString());
        return kinds.values().stream()
                .filter(kind -> kind.defaultBaseUrl() != null
                        && withoutTrailingSlash(kind.defaultBaseUrl().toString()).equals(address))
                .findFirst()
                .or(() -> kind(providerName));
    }

    private static String withoutTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** The catalogue as the admin API returns it. */
    public record Collection(List<ProviderKind> kinds) {
    }

    private static Map<String, ProviderKind> parse(JsonNode root) {
        Map<String, ProviderKind> kinds = new LinkedHashMap<>();
        root.path("kinds").properties().forEach(entry -> {
            JsonNode kind = entry.getValue();
            List<ListedModel> models = new ArrayList<>();
            for (JsonNode model : kind.path("models")) {
                models.add(new ListedModel(model.path("model").asText(), decimal(model, "input"),
                        decimal(model, "output"), decimal(model, "cachedInput"), decimal(model, "perImage"),
                        decimal(model, "embedding"), decimal(model, "perAudioSecond"),
                        decimal(model, "perSpeechCharacter")));
            }
            String baseUrl = kind.path("baseUrl").isTextual() ? kind.path("baseUrl").asText() : null;
            String litellmProvider = kind.path("litellmProvider").isTextual() ? kind.path("litellmProvider").asText() : null;
            kinds.put(entry.getKey(), new ProviderKind(entry.getKey(),
                    WireFormat.parse(kind.path("wireFormat").asText()),
                    baseUrl == null ? null : URI.create(baseUrl), litellmProvider, Collections.unmodifiableList(models)));
        });
        return Collections.unmodifiableMap(kinds);
    }

    private static BigDecimal decimal(JsonNode model, String field) {
        JsonNode value = model.get(field);
        return value == null || value.isNull() ? null : new BigDecimal(value.asText());
    }
}
