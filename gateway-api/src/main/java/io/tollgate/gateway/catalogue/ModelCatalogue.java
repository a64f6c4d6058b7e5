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
 * mistral, groq, ollama, openai-compatible) with its wire family, default base URL and public models at
 * list price, read from {@code catalogue/models.json}.
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

    /** A kind of provider: the vendor, the wire family it speaks and where it lives by default. */
    public record ProviderKind(String name, WireFormat wireFormat, URI defaultBaseUrl, List<ListedModel> models) {
    }

    /** Prices in USD (= credits) per million tokens; perImage per image; null when not priced. */
    public record ListedModel(String model, BigDecimal inputPerMillion, BigDecimal outputPerMillion,
                              BigDecimal cachedInputPerMillion, BigDecimal perImage, BigDecimal embeddingPerMillion) {
    }

    public Collection kinds() {
        return new Collection(List.copyOf(kinds.values()));
    }

    public Optional<ProviderKind> kind(String name) {
        return Optional.ofNullable(kinds.get(name));
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
                        decimal(model, "embedding")));
            }
            String baseUrl = kind.path("baseUrl").isTextual() ? kind.path("baseUrl").asText() : null;
            kinds.put(entry.getKey(), new ProviderKind(entry.getKey(),
                    WireFormat.parse(kind.path("wireFormat").asText()),
                    baseUrl == null ? null : URI.create(baseUrl), Collections.unmodifiableList(models)));
        });
        return Collections.unmodifiableMap(kinds);
    }

    private static BigDecimal decimal(JsonNode model, String field) {
        JsonNode value = model.get(field);
        return value == null || value.isNull() ? null : new BigDecimal(value.asText());
    }
}
