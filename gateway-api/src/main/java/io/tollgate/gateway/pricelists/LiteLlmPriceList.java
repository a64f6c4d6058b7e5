package io.tollgate.gateway.pricelists;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.tollgate.gateway.edge.ClientText;
import io.tollgate.gateway.errors.GatewayException;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A price list in LiteLLM's {@code model_prices_and_context_window.json} format: one object per model key,
 * with USD costs per token ({@code input_cost_per_token}, {@code output_cost_per_token},
 * {@code cache_read_input_token_cost}) or per image ({@code output_cost_per_image}), the
 * {@code litellm_provider} that serves it and its {@code mode}. Keys are often prefixed with the provider
 * ({@code gemini/gemini-2.5-flash}); the prefix is not part of the model name the provider's API takes.
 * <p>
 * Costs are read as exact decimals from the JSON text, never through a double. A selected entry whose cost
 * is not a number, negative or absurd refuses the whole list (400 naming the model); an entry Tollgate
 * cannot price (another mode, a cost per pixel, no cost at all) is skipped and reported.
 */
final class LiteLlmPriceList {
    /** $10,000 per million tokens: an order of magnitude above the dearest model listed anywhere. */
    static final BigDecimal MAX_COST_PER_TOKEN = new BigDecimal("0.01");
    static final BigDecimal MAX_COST_PER_IMAGE = new BigDecimal("100");

    private static final ObjectReader READER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .reader();

    /** A model's list prices in USD per million tokens (or per image); null where the list gives none. */
    record ListedPrice(String key, String model, String mode, BigDecimal inputPerMillion, BigDecimal outputPerMillion,
                       BigDecimal cachedInputPerMillion, BigDecimal perImage, BigDecimal embeddingPerMillion) {
    }

    /** An entry of the selected provider that sets no rate, and why. */
    record Skipped(String key, String reason) {
    }

    record Selection(List<ListedPrice> prices, List<Skipped> skipped) {
    }

    private LiteLlmPriceList() {
    }

    /** The entries of one LiteLLM provider, by the model name its API takes, in the document's order. */
    static Selection select(byte[] document, String litellmProvider) {
        JsonNode root = parse(document);
        Map<String, ListedPrice> byModel = new LinkedHashMap<>();
        List<Skipped> skipped = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            JsonNode spec = entry.getValue();
            if (!spec.isObject() || !litellmProvider.equals(spec.path("litellm_provider").asText(null))) {
                continue;
            }
            String key = entry.getKey();
            String model = modelName(key, litellmProvider);
            String mode = spec.path("mode").asText("");
            ListedPrice price = switch (mode) {
                case "chat" -> chat(key, model, spec, skipped);
                case "embedding" -> embedding(key, model, spec, skipped);
                case "image_generation" -> image(key, model, spec, skipped);
                default -> {
                    skipped.add(new Skipped(key, mode.isEmpty() ? "no mode" : "mode '" + mode + "' is not served"));
                    yield null;
                }
            };
            if (price == null) {
                continue;
            }
            ListedPrice earlier = byModel.get(model);
            if (earlier == null) {
                byModel.put(model, price);
            } else if (key.equals(model)) {
                // The unprefixed key is the model's own entry; a prefixed twin is an alias of it.
                byModel.put(model, price);
                skipped.add(new Skipped(earlier.key(), "the same model as '" + key + "'"));
            } else {
                skipped.add(new Skipped(key, "the same model as '" + earlier.key() + "'"));
            }
        }
        if (byModel.isEmpty() && skipped.isEmpty()) {
            throw GatewayException.badRequest("The price list has no entries with litellm_provider '"
                    + litellmProvider + "'.");
        }
        return new Selection(List.copyOf(byModel.values()), List.copyOf(skipped));
    }

    private static JsonNode parse(byte[] document) {
        if (document == null || document.length == 0) {
            throw GatewayException.badRequest("Send the price list (LiteLLM's model_prices_and_context_window.json "
                    + "format) as the request body.");
        }
        JsonNode root;
        try {
            root = READER.readTree(document);
        } catch (JsonProcessingException e) {
            throw GatewayException.badRequest("The price list is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw GatewayException.badRequest("The price list could not be read.");
        }
        if (root == null || !root.isObject()) {
            throw GatewayException.badRequest("The price list must be a JSON object of model entries, as LiteLLM's "
                    + "model_prices_and_context_window.json is.");
        }
        return root;
    }

    /** The key without its provider prefix: {@code gemini/gemini-2.5-flash} is {@code gemini-2.5-flash}. */
    private static String modelName(String key, String litellmProvider) {
        String prefix = litellmProvider + "/";
        String model = key.startsWith(prefix) && key.length() > prefix.length() ? key.substring(prefix.length()) : key;
        String problem = nameProblem(model);
        if (problem != null) {
            throw GatewayException.badRequest("The model name " + quoted(key) + " " + problem + ".");
        }
        return model;
    }

    /** The edge's rule for a name that reaches an event ({@link ClientText}), and not blank. */
    private static String nameProblem(String model) {
        return model.isBlank() ? "is blank" : ClientText.problem(model, ClientText.NAME_MAX);
    }

    private static ListedPrice chat(String key, String model, JsonNode spec, List<Skipped> skipped) {
        BigDecimal input = perToken(key, spec, "input_cost_per_token");
        BigDecimal output = perToken(key, spec, "output_cost_per_token");
        BigDecimal cacheRead = perToken(key, spec, "cache_read_input_token_cost");
        if (input == null || output == null) {
            skipped.add(new Skipped(key, "no " + (input == null ? "input_cost_per_token" : "output_cost_per_token")));
            return null;
        }
        return new ListedPrice(key, model, "chat", perMillion(input), perMillion(output),
                cacheRead == null ? null : perMillion(cacheRead), null, null);
    }

    private static ListedPrice embedding(String key, String model, JsonNode spec, List<Skipped> skipped) {
        BigDecimal input = perToken(key, spec, "input_cost_per_token");
        if (input == null) {
            skipped.add(new Skipped(key, "no input_cost_per_token"));
            return null;
        }
        return new ListedPrice(key, model, "embedding", BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, null,
                perMillion(input));
    }

    private static ListedPrice image(String key, String model, JsonNode spec, List<Skipped> skipped) {
        BigDecimal perImage = cost(key, spec, "output_cost_per_image", MAX_COST_PER_IMAGE);
        if (perImage == null) {
            skipped.add(new Skipped(key, "no output_cost_per_image (images are priced per image)"));
            return null;
        }
        return new ListedPrice(key, model, "image_generation", BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO,
                perImage, null);
    }

    private static BigDecimal perToken(String key, JsonNode spec, String field) {
        return cost(key, spec, field, MAX_COST_PER_TOKEN);
    }

    /** A cost field: absent or null is null; anything but a number from 0 to the limit refuses the list. */
    private static BigDecimal cost(String key, JsonNode spec, String field, BigDecimal max) {
        JsonNode value = spec.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber()) {
            throw GatewayException.badRequest(quoted(key) + ": " + field + " must be a number, not " + value + ".");
        }
        BigDecimal cost = value.decimalValue();
        if (cost.signum() < 0) {
            throw GatewayException.badRequest(quoted(key) + ": " + field + " must not be negative: "
                    + cost.toPlainString() + ".");
        }
        if (cost.compareTo(max) > 0) {
            throw GatewayException.badRequest(quoted(key) + ": " + field + " of " + cost.toPlainString()
                    + " USD is beyond any real price (at most " + max.toPlainString() + ").");
        }
        return cost;
    }

    private static BigDecimal perMillion(BigDecimal perToken) {
        return perToken.movePointRight(6);
    }

    /** A key as it may be quoted back: control characters and lone surrogates shown as U+FFFD, cut at 100. */
    static String quoted(String key) {
        String shown = ClientText.printable(key, 100);
        return "'" + shown + (shown.length() < key.length() ? "…'" : "'");
    }
}
