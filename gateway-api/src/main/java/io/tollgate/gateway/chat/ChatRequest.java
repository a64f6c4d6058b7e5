package io.tollgate.gateway.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.errors.GatewayException;

/**
 * The parts of an OpenAI chat request the gateway acts on; the rest of the JSON passes through
 * untouched. Validation here is what keeps bad input from reaching a provider or the ledger.
 *
 * @param maxTokens null when the client set no limit
 */
record ChatRequest(ObjectNode body, String provider, String model, boolean stream, boolean clientWantsUsage,
                   Integer maxTokens, String maxTokensField) {

    static final String MAX_TOKENS = "max_tokens";
    static final String MAX_COMPLETION_TOKENS = "max_completion_tokens";

    static ChatRequest parse(JsonNode json) {
        if (!(json instanceof ObjectNode body)) {
            throw GatewayException.badRequest("The request body must be a JSON object.");
        }
        JsonNode modelNode = body.get("model");
        if (modelNode == null || !modelNode.isTextual() || modelNode.asText().isBlank()) {
            throw GatewayException.badRequest("you must provide a model parameter");
        }
        String qualified = modelNode.asText();
        int slash = qualified.indexOf('/');
        if (slash <= 0 || slash == qualified.length() - 1) {
            throw GatewayException.notFound("model_not_found", "The model '" + qualified
                    + "' does not exist. Name models as 'provider/model', e.g. 'openai/gpt-4o'.");
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
        if (!n.isMissingNode() && !n.isNull() && (!n.canConvertToInt() || n.asInt() != 1)) {
            throw GatewayException.badRequest("Tollgate supports n = 1 only.");
        }
        String limitField = body.has(MAX_COMPLETION_TOKENS) ? MAX_COMPLETION_TOKENS : MAX_TOKENS;
        Integer maxTokens = positiveIntOrNull(body.get(limitField), limitField);
        boolean stream = streamNode.asBoolean(false);
        boolean wantsUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        return new ChatRequest(body, qualified.substring(0, slash), qualified.substring(slash + 1), stream,
                wantsUsage, maxTokens, limitField);
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

    /** The body the provider receives: its own model name, the granted limit, usage in streams. */
    ObjectNode upstreamBody(int grantedMaxTokens) {
        ObjectNode upstream = body.deepCopy();
        upstream.put("model", model);
        upstream.put(maxTokensField, grantedMaxTokens);
        if (stream) {
            upstream.withObjectProperty("stream_options").put("include_usage", true);
        }
        return upstream;
    }
}
