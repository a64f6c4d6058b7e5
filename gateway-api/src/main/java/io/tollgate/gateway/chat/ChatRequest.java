package io.tollgate.gateway.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.edge.ClientText;
import io.tollgate.gateway.errors.GatewayException;

import java.util.List;
import java.util.Set;

/**
 * The parts of a chat request (in the pivot shape, OpenAI's) the gateway acts on; the rest of the JSON
 * passes through untouched. Validation here is what keeps bad input from reaching a provider or the ledger.
 *
 * @param model     what the client asked for: "provider/model", an alias, or a model name
 * @param maxTokens null when the client set no limit
 */
record ChatRequest(ObjectNode body, String model, boolean stream, boolean clientWantsUsage,
                          Integer maxTokens, String maxTokensField) {

    static final String MAX_TOKENS = "max_tokens";
    static final String MAX_COMPLETION_TOKENS = "max_completion_tokens";
    static final int MAX_CHOICES = 8;
    private static final List<String> LIMIT_FIELDS = List.of(MAX_TOKENS, MAX_COMPLETION_TOKENS);
    private static final List<String> DIFFERENTLY_PRICED_FIELDS = List.of("audio", "web_search_options");
    private static final Set<String> STANDARD_TIERS = Set.of("auto", "default");

    public static ChatRequest parse(JsonNode json) {
        if (!(json instanceof ObjectNode body)) {
            throw GatewayException.badRequest("The request body must be a JSON object.");
        }
        JsonNode modelNode = body.get("model");
        if (modelNode == null || !modelNode.isTextual() || modelNode.asText().isBlank()) {
            throw GatewayException.badRequest("you must provide a model parameter");
        }
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw GatewayException.badRequest("'messages' must be a non-empty array.");
        }
        for (JsonNode message : messages) {
            if (!message.isObject() || !message.path("role").isTextual()) {
                throw GatewayException.badRequest("Each message must be an object with a 'role'.");
            }
        }
        JsonNode streamNode = body.path("stream");
        if (!streamNode.isMissingNode() && !streamNode.isNull() && !streamNode.isBoolean()) {
            throw GatewayException.badRequest("'stream' must be a boolean.");
        }
        JsonNode n = body.path("n");
        if (!n.isMissingNode() && !n.isNull() && (!n.isIntegralNumber() || n.asInt() < 1 || n.asInt() > MAX_CHOICES)) {
            throw GatewayException.badRequest("'n' must be an integer from 1 to " + MAX_CHOICES + ".");
        }
        // The end-user id goes upstream as it is, and into provider logs: held to the rule of every recorded name.
        ClientText.requireOptional(body, "user", ClientText.NAME_MAX);
        refusePriceChanges(body);
        // A provider may read either limit (OpenAI's older models max_tokens, newer ones max_completion_tokens):
        // the client's limit is the tighter of the two, and both are rewritten to the granted one.
        Integer maxTokens = null;
        for (String field : LIMIT_FIELDS) {
            Integer limit = positiveIntOrNull(body.get(field), field);
            if (limit != null) {
                maxTokens = maxTokens == null ? limit : Math.min(maxTokens, limit);
            }
        }
        boolean stream = streamNode.asBoolean(false);
        boolean wantsUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        return new ChatRequest(body, modelNode.asText(), stream, wantsUsage, maxTokens, MAX_TOKENS);
    }

    /**
     * Fields that make a provider charge other prices than the model's rate: a rate table has no price for
     * them, so they are refused rather than passed on unpriced (or, for a cheaper tier, overcharged).
     */
    private static void refusePriceChanges(ObjectNode body) {
        JsonNode tier = body.get("service_tier");
        if (tier != null && !tier.isNull() && !(tier.isTextual() && STANDARD_TIERS.contains(tier.asText()))) {
            throw GatewayException.badRequest("'service_tier' " + tier + " is priced differently from the model's "
                    + "rate and is not supported; use \"auto\" or \"default\", or leave it out.");
        }
        for (JsonNode modality : body.path("modalities")) {
            if (!"text".equals(modality.asText())) {
                throw GatewayException.badRequest("Output modality " + modality + " is priced differently from the"
                        + " model's rate and is not supported; only \"text\" is.");
            }
        }
        for (String field : DIFFERENTLY_PRICED_FIELDS) {
            JsonNode value = body.get(field);
            if (value != null && !value.isNull()) {
                throw GatewayException.badRequest("'" + field + "' is priced differently from the model's rate and "
                        + "is not supported.");
            }
        }
    }

    private static Integer positiveIntOrNull(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < 1) {
            throw GatewayException.badRequest("'" + field + "' must be a positive integer.");
        }
        return node.asInt();
    }

    /** How many choices the client asked for: each may use the whole output limit. */
    int choices() {
        return body.path("n").asInt(1);
    }

    /**
     * The body a provider receives: its own model name, the granted limit in every limit field the client set
     * (max_tokens when it set none; each provider family reads its limit from these), usage in streams.
     */
    ObjectNode upstreamBody(String providerModel, int grantedMaxTokens) {
        ObjectNode upstream = body.deepCopy();
        upstream.put("model", providerModel);
        boolean limitSet = false;
        for (String field : LIMIT_FIELDS) {
            if (upstream.hasNonNull(field)) {
                upstream.put(field, grantedMaxTokens);
                limitSet = true;
            }
        }
        if (!limitSet) {
            upstream.put(maxTokensField, grantedMaxTokens);
        }
        if (stream) {
            upstream.withObjectProperty("stream_options").put("include_usage", true);
        }
        return upstream;
    }
}
