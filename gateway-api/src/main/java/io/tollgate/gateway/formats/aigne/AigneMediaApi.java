package io.tollgate.gateway.formats.aigne;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * AIGNE Hub's {@code /api/v2/embeddings}, {@code /api/v2/image} (and {@code /api/v2/image/generations}) and
 * {@code /api/v2/status}, translated to and from OpenAI's embeddings and images APIs.
 *
 * <p>AIGNE Hub's routes take the framework's invoke payload ({@code {"input":{…,"modelOptions":{"model"}}}}),
 * while its ai-kit client and its own UI also post the flat shape ({@code {"model","input"}},
 * {@code {"model","prompt",…}}): both are read. Answers carry both the framework's fields
 * ({@code embeddings}, {@code images}) and the ai-kit's ({@code data[].embedding}, {@code data[].url|b64Json}),
 * with {@code usage} and {@code modelWithProvider}, as AIGNE Hub's answers do.
 */
public final class AigneMediaApi {
    private AigneMediaApi() {
    }

    /** The model an AIGNE media request names (AIGNE Hub's getReqModel: model, input.model, input.modelOptions.model). */
    public static String model(JsonNode body) {
        String model = body.path("model").asText("");
        if (model.isBlank()) {
            model = body.path("input").path("model").asText("");
        }
        if (model.isBlank()) {
            model = body.path("input").path("modelOptions").path("model").asText("");
        }
        return model;
    }

    /** AIGNE embeddings request → OpenAI's {@code {"model","input","dimensions"?}}. */
    public static ObjectNode toEmbeddingsRequest(ObjectMapper json, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw AigneMessages.bad("Request body is required");
        }
        String model = model(body);
        if (model.isBlank()) {
            throw AigneMessages.bad("Model is required for embedding");
        }
        JsonNode input = body.path("input");
        JsonNode texts = input.isObject() ? input.path("input") : input;
        if (texts.isMissingNode() || texts.isNull() || (texts.isArray() && texts.isEmpty())
                || !(texts.isTextual() || texts.isArray())) {
            throw AigneMessages.bad("[Check embedding model input] input: a string or an array is required");
        }
        ObjectNode request = json.createObjectNode();
        request.put("model", model);
        request.set("input", texts);
        JsonNode dimensions = input.isObject() ? input.path("modelOptions").path("dimensions") : body.path("dimensions");
        if (dimensions.canConvertToInt()) {
            request.put("dimensions", dimensions.asInt());
        }
        return request;
    }

    /** OpenAI embeddings response → AIGNE's answer. */
    public static ObjectNode fromEmbeddingsResponse(ObjectMapper json, JsonNode response, String model) {
        ObjectNode out = json.createObjectNode();
        ArrayNode data = out.putArray("data");
        ArrayNode embeddings = out.putArray("embeddings");
        for (JsonNode item : response.path("data")) {
            data.addObject().set("embedding", item.path("embedding"));
            embeddings.add(item.path("embedding"));
        }
        ObjectNode usage = out.putObject("usage");
        if (response.path("usage").has("prompt_tokens")) {
            usage.put("inputTokens", response.path("usage").path("prompt_tokens").asLong());
        }
        usage.put("outputTokens", 0);
        if (response.path("model").isTextual()) {
            out.put("model", response.get("model").asText());
        }
        out.put("modelWithProvider", model);
        return out;
    }

    /** AIGNE image request → OpenAI's images request ({@code model, prompt, n, size, quality, style, response_format…}). */
    public static ObjectNode toImagesRequest(ObjectMapper json, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw AigneMessages.bad("Request body is required");
        }
        JsonNode input = body.path("input").isObject() ? body.get("input") : body;
        String model = model(body);
        if (model.isBlank()) {
            throw AigneMessages.bad("Model is required for image generation");
        }
        if (!input.path("prompt").isTextual() || input.get("prompt").asText().isBlank()) {
            throw AigneMessages.bad("[Check image model input] prompt: Required");
        }
        ObjectNode request = json.createObjectNode();
        request.put("model", model);
        request.put("prompt", input.get("prompt").asText());
        JsonNode n = input.path("n");
        if (n.canConvertToInt()) {
            if (n.asInt() < 1 || n.asInt() > 10) {
                throw AigneMessages.bad("\"n\" must be between 1 and 10");
            }
            request.put("n", n.asInt());
        }
        for (String[] field : new String[][]{{"size", "size"}, {"quality", "quality"}, {"style", "style"},
                {"background", "background"}, {"outputFormat", "output_format"}, {"moderation", "moderation"}}) {
            if (input.path(field[0]).isTextual()) {
                request.put(field[1], input.get(field[0]).asText());
            }
        }
        String format = input.path("responseFormat").asText(input.path("response_format").asText(""));
        String fileType = input.path("outputFileType").asText("");
        if (format.equals("b64_json") || format.equals("base64") || fileType.equals("file")) {
            request.put("response_format", "b64_json");
        } else if (format.equals("url")) {
            request.put("response_format", "url");
        }
        return request;
    }

    /** OpenAI images response → AIGNE's answer. */
    public static ObjectNode fromImagesResponse(ObjectMapper json, JsonNode response, String model) {
        ObjectNode out = json.createObjectNode();
        ArrayNode images = out.putArray("images");
        ArrayNode data = out.putArray("data");
        String mimeType = "image/" + response.path("output_format").asText("png");
        for (JsonNode item : response.path("data")) {
            if (item.path("url").isTextual()) {
                images.addObject().put("type", "url").put("url", item.get("url").asText()).put("mimeType", mimeType);
                data.addObject().put("url", item.get("url").asText());
            } else if (item.path("b64_json").isTextual()) {
                images.addObject().put("type", "file").put("data", item.get("b64_json").asText()).put("mimeType", mimeType);
                data.addObject().put("b64Json", item.get("b64_json").asText());
            }
        }
        ObjectNode usage = out.putObject("usage");
        JsonNode reported = response.path("usage");
        usage.put("inputTokens", reported.path("input_tokens").asLong(0));
        usage.put("outputTokens", reported.path("output_tokens").asLong(0));
        out.put("model", model);
        out.put("modelWithProvider", model);
        return out;
    }

    /**
     * {@code GET /api/v2/status}: {@code {"available":true}}, or {@code {"available":false,"error","code"}}
     * (always HTTP 200, as AIGNE Hub answers).
     */
    public static ObjectNode status(ObjectMapper json, boolean available, String error, int code) {
        ObjectNode out = json.createObjectNode().put("available", available);
        if (!available) {
            out.put("error", error);
            out.put("code", code);
        }
        return out;
    }
}
