package io.tollgate.gateway.providers.ideogram;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.providers.ChunkTranslator;
import io.tollgate.gateway.providers.ProviderAdapter;
import io.tollgate.gateway.providers.WireFormat;
import org.springframework.stereotype.Component;

import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Ideogram's image API, images only, authenticated with the {@code Api-Key} header (base URL
 * {@code https://api.ideogram.ai}). The model names the endpoint:
 * <ul>
 *   <li>{@code V_3_TURBO}, {@code V_3}, {@code V_3_QUALITY}: Ideogram 3.0, {@code POST /v1/ideogram-v3/generate}
 *       as a multipart form ({@code prompt}, {@code num_images}, {@code rendering_speed} TURBO/DEFAULT/QUALITY,
 *       {@code aspect_ratio} like {@code 16x9});</li>
 *   <li>any other ({@code V_2}, {@code V_2_TURBO}, {@code V_2A}, …): the legacy {@code POST /generate} with
 *       {@code {"image_request":{"prompt","model","num_images","aspect_ratio":"ASPECT_16_9"}}}.</li>
 * </ul>
 * OpenAI's {@code size} becomes the nearest aspect ratio Ideogram offers; {@code n} becomes {@code num_images}
 * (at most 8). Ideogram answers image URLs only: {@code response_format: b64_json} is refused with a 400.
 * An image Ideogram withheld as unsafe comes without a URL and is neither returned nor charged.
 */
@Component
public class IdeogramAdapter implements ProviderAdapter {
    static final int MAX_IMAGES = 8;
    private static final Map<String, String> V3_SPEEDS = Map.of("V_3_TURBO", "TURBO", "V_3", "DEFAULT",
            "V_3_QUALITY", "QUALITY");
    /** Ideogram's aspect ratios, width × height: 3.0 writes them as 16x9, the legacy API as ASPECT_16_9. */
    private static final List<int[]> ASPECT_RATIOS = List.of(new int[]{1, 1}, new int[]{16, 9}, new int[]{9, 16},
            new int[]{16, 10}, new int[]{10, 16}, new int[]{3, 2}, new int[]{2, 3}, new int[]{4, 3}, new int[]{3, 4},
            new int[]{3, 1}, new int[]{1, 3});

    private final ObjectMapper json;

    public IdeogramAdapter(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public WireFormat wireFormat() {
        return WireFormat.IDEOGRAM;
    }

    @Override
    public boolean supportsImages() {
        return true;
    }

    @Override
    public Optional<HttpRequest.Builder> imagesRequest(URI baseUrl, String secret, ObjectNode imagesRequest) {
        String model = imagesRequest.path("model").asText();
        if ("b64_json".equals(imagesRequest.path("response_format").asText())) {
            throw GatewayException.badRequest("Ideogram answers image URLs only: leave response_format out or send \"url\".");
        }
        int images = imagesRequest.path("n").asInt(1);
        if (images > MAX_IMAGES) {
            throw GatewayException.badRequest("Ideogram generates at most " + MAX_IMAGES + " images a call: 'n' must be "
                    + "1 to " + MAX_IMAGES + ".");
        }
        String prompt = imagesRequest.path("prompt").asText();
        int[] ratio = aspectRatio(imagesRequest.path("size").asText(""));
        String speed = V3_SPEEDS.get(model);
        HttpRequest.Builder request;
        if (speed != null) {
            Map<String, String> form = new LinkedHashMap<>();
            form.put("prompt", prompt);
            form.put("num_images", Integer.toString(images));
            form.put("rendering_speed", speed);
            if (ratio != null) {
                form.put("aspect_ratio", ratio[0] + "x" + ratio[1]);
            }
            String boundary = "tollgate-" + UUID.randomUUID();
            request = HttpRequest.newBuilder(under(baseUrl, "/v1/ideogram-v3/generate"))
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(multipart(boundary, form)));
        } else {
            ObjectNode body = json.createObjectNode();
            ObjectNode imageRequest = body.putObject("image_request");
            imageRequest.put("prompt", prompt);
            imageRequest.put("model", model);
            imageRequest.put("num_images", images);
            if (ratio != null) {
                imageRequest.put("aspect_ratio", "ASPECT_" + ratio[0] + "_" + ratio[1]);
            }
            try {
                request = HttpRequest.newBuilder(under(baseUrl, "/generate"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Optional.of(request.header("Api-Key", secret).header("Accept", "application/json"));
    }

    /** The Ideogram aspect ratio nearest to an OpenAI size ({@code 1792x1024}); null without a size. */
    static int[] aspectRatio(String size) {
        if (size.isBlank() || size.equals("auto")) {
            return null;
        }
        String[] sides = size.split("x");
        double wanted;
        try {
            wanted = Math.log(Double.parseDouble(sides[0]) / Double.parseDouble(sides[1]));
        } catch (RuntimeException notASize) {
            throw GatewayException.badRequest("'size' must be WIDTHxHEIGHT, like 1024x1024.");
        }
        if (sides.length != 2 || Double.isNaN(wanted) || Double.isInfinite(wanted)) {
            throw GatewayException.badRequest("'size' must be WIDTHxHEIGHT, like 1024x1024.");
        }
        int[] nearest = ASPECT_RATIOS.getFirst();
        for (int[] ratio : ASPECT_RATIOS) {
            if (Math.abs(Math.log((double) ratio[0] / ratio[1]) - wanted)
                    < Math.abs(Math.log((double) nearest[0] / nearest[1]) - wanted)) {
                nearest = ratio;
            }
        }
        return nearest;
    }

    private static byte[] multipart(String boundary, Map<String, String> fields) {
        var body = new StringBuilder();
        fields.forEach((name, value) -> body.append("--").append(boundary).append("\r\n")
                .append("Content-Disposition: form-data; name=\"").append(name).append("\"\r\n\r\n")
                .append(value).append("\r\n"));
        body.append("--").append(boundary).append("--\r\n");
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static URI under(URI baseUrl, String path) {
        String base = baseUrl.toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path);
    }

    /** Ideogram's answer ({@code {"created": ISO time, "data": [{"url", "prompt", "resolution", …}]}}) in OpenAI's shape. */
    @Override
    public ObjectNode toImagesResponse(JsonNode answer) {
        ObjectNode response = json.createObjectNode();
        response.put("created", created(answer.path("created").asText("")));
        ArrayNode data = response.putArray("data");
        for (JsonNode image : answer.path("data")) {
            if (!image.path("url").isTextual() || image.get("url").asText().isBlank()) {
                continue;
            }
            ObjectNode item = data.addObject();
            item.put("url", image.get("url").asText());
            if (image.path("prompt").isTextual()) {
                item.put("revised_prompt", image.get("prompt").asText());
            }
        }
        return response;
    }

    private static long created(String isoTime) {
        try {
            return Instant.parse(isoTime).getEpochSecond();
        } catch (DateTimeParseException notIso) {
            return Instant.now().getEpochSecond();
        }
    }

    @Override
    public HttpRequest.Builder chatRequest(URI baseUrl, String secret, ObjectNode chatRequest) {
        throw GatewayException.badRequest("Ideogram models generate images: call /v1/images/generations.");
    }

    @Override
    public ObjectNode toChatCompletion(JsonNode providerAnswer, String model) {
        throw new UnsupportedOperationException("Ideogram has no chat API");
    }

    @Override
    public ChunkTranslator chunkTranslator(String model) {
        throw new UnsupportedOperationException("Ideogram has no chat API");
    }

    /** Ideogram's error bodies carry {@code detail} (a string, or FastAPI's list of problems), or {@code message}. */
    @Override
    public Optional<String> errorMessage(JsonNode providerError) {
        JsonNode detail = providerError.path("detail");
        if (detail.isTextual()) {
            return Optional.of(detail.asText());
        }
        if (detail.isArray() && detail.path(0).path("msg").isTextual()) {
            return Optional.of(detail.get(0).get("msg").asText());
        }
        JsonNode message = providerError.path("message");
        if (message.isTextual()) {
            return Optional.of(message.asText());
        }
        return providerError.path("error").isTextual() ? Optional.of(providerError.get("error").asText()) : Optional.empty();
    }
}
