package io.tollgate.gateway.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.edge.ClientText;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.providers.UpstreamIdleTimeout;
import io.tollgate.gateway.providers.ProviderAdapter;
import io.tollgate.gateway.upstream.CostHeaders;
import io.tollgate.gateway.upstream.JsonAnswers;
import io.tollgate.gateway.upstream.Pricing;
import io.tollgate.gateway.upstream.ReservedCall;
import io.tollgate.gateway.upstream.UpstreamAnswer;
import io.tollgate.ledger.api.TokenUsage;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.UnaryOperator;

/**
 * Image generation in OpenAI's shape (the pivot). All n images are reserved at the model's per-image
 * price before the call; the images the provider returned are charged.
 */
@Service
public class ImagesService {
    public static final String API_FORMAT = "openai.images";
    private static final int MAX_IMAGES = 10;

    private final ReservedCall.Factory calls;
    private final ObjectMapper json;

    ImagesService(ReservedCall.Factory calls, ObjectMapper json) {
        this.calls = calls;
        this.json = json;
    }

    public void generate(Caller caller, JsonNode request, String apiFormat, UnaryOperator<JsonNode> toClient,
                         HttpServletRequest httpRequest, HttpServletResponse response) throws IOException {
        ObjectNode body = calls.rejectingBadInput(caller, request.path("model").asText(null), response,
                () -> validated(request));
        String model = body.get("model").asText();
        int images = body.path("n").asInt(1);
        try (ReservedCall call = calls.reserve(caller, model, Pricing.IMAGES,
                deployment -> calls.adapter(deployment).supportsImages(), "its providers do not generate images",
                apiFormat, false, 0, images, images, images, httpRequest, response)) {
            generate(call, body, images, toClient, response);
        }
    }

    private void generate(ReservedCall call, ObjectNode body, int images, UnaryOperator<JsonNode> toClient,
                          HttpServletResponse response) throws IOException {
        UpstreamAnswer answer = call.send((deployment, adapter, secret) -> {
            ObjectNode upstream = body.deepCopy();
            upstream.put("model", deployment.model());
            return adapter.imagesRequest(deployment.provider().baseUrl(), secret, upstream).orElseThrow();
        });
        try (InputStream upstreamBody = answer.body()) {
            byte[] bytes;
            try {
                bytes = upstreamBody.readAllBytes();
            } catch (UpstreamIdleTimeout silent) {
                throw call.releaseAfterSilentProvider(silent);
            } catch (IOException brokenOff) {
                throw call.releaseAfterUnreadableAnswer(brokenOff);
            }
            ProviderAdapter adapter = calls.adapter(answer.deployment());
            if (answer.status() != 200) {
                throw call.releaseAfterClientError(bytes);
            }
            ObjectNode generated;
            try {
                generated = adapter.toImagesResponse(json.readTree(bytes));
            } catch (IOException | RuntimeException unreadable) {
                throw call.releaseAfterUnreadableAnswer(unreadable);
            }
            int delivered = Math.min(generated.path("data").size(), images);
            long debited = call.settle(new TokenUsage(0, delivered, 0, 0, false)).debitedMicros();
            CostHeaders.write(response, debited, call.balanceAfter());
            JsonAnswers.write(json, response, 200, toClient.apply(generated));
        }
    }

    private static ObjectNode validated(JsonNode request) {
        if (!(request instanceof ObjectNode body)) {
            throw GatewayException.badRequest("The request body must be a JSON object.");
        }
        if (!body.path("model").isTextual() || body.path("model").asText().isBlank()) {
            throw GatewayException.badRequest("you must provide a model parameter");
        }
        if (!body.path("prompt").isTextual() || body.path("prompt").asText().isBlank()) {
            throw GatewayException.badRequest("'prompt' must be a non-empty string.");
        }
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && (!n.isIntegralNumber() || n.asInt() < 1 || n.asInt() > MAX_IMAGES)) {
            throw GatewayException.badRequest("'n' must be an integer from 1 to " + MAX_IMAGES + ".");
        }
        if (body.path("stream").asBoolean(false)) {
            throw GatewayException.badRequest("Streaming image generation is not supported.");
        }
        ClientText.requireOptional(body, "user", ClientText.NAME_MAX);
        return body;
    }
}
