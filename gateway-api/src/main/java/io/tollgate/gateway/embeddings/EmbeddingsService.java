package io.tollgate.gateway.embeddings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.chat.InputTokenEstimator;
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
 * Embeddings in OpenAI's shape (the pivot) against any provider family with an embeddings API, priced at
 * the model's embedding price per input token.
 */
@Service
public class EmbeddingsService {
    public static final String API_FORMAT = "openai.embeddings";

    private final ReservedCall.Factory calls;
    private final InputTokenEstimator estimator;
    private final ObjectMapper json;

    EmbeddingsService(ReservedCall.Factory calls, InputTokenEstimator estimator, ObjectMapper json) {
        this.calls = calls;
        this.estimator = estimator;
        this.json = json;
    }

    /**
     * @param request  an OpenAI embeddings request
     * @param toClient turns the OpenAI embeddings response into the client's shape
     */
    public void embed(Caller caller, JsonNode request, String apiFormat, UnaryOperator<JsonNode> toClient,
                      HttpServletRequest httpRequest, HttpServletResponse response) throws IOException {
        ObjectNode body = calls.rejectingBadInput(caller, request.path("model").asText(null), response,
                () -> validated(request));
        String model = body.get("model").asText();
        long inputTokens = countInput(body.get("input"));
        try (ReservedCall call = calls.reserve(caller, model, Pricing.EMBEDDINGS,
                deployment -> calls.adapter(deployment).supportsEmbeddings(),
                "its providers have no embeddings API", apiFormat, false, inputTokens, 1, 1, 1, httpRequest,
                response)) {
            embed(call, body, inputTokens, toClient, response);
        }
    }

    private void embed(ReservedCall call, ObjectNode body, long inputTokens, UnaryOperator<JsonNode> toClient,
                       HttpServletResponse response) throws IOException {
        UpstreamAnswer answer = call.send((deployment, adapter, secret) -> {
            ObjectNode upstream = body.deepCopy();
            upstream.put("model", deployment.model());
            return adapter.embeddingsRequest(deployment.provider().baseUrl(), secret, upstream).orElseThrow();
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
            ObjectNode embeddings;
            try {
                embeddings = adapter.toEmbeddingsResponse(json.readTree(bytes), answer.deployment().model());
            } catch (IOException | RuntimeException unreadable) {
                throw call.releaseAfterUnreadableAnswer(unreadable);
            }
            long reported = embeddings.path("usage").path("prompt_tokens").asLong(0);
            boolean counted = reported <= 0;
            long input = counted ? inputTokens : reported;
            long debited = call.settle(new TokenUsage(input, 0, 0, 0, counted)).debitedMicros();
            CostHeaders.write(response, debited, call.balanceAfter());
            ObjectNode usage = embeddings.withObjectProperty("usage");
            usage.put("prompt_tokens", input);
            usage.put("total_tokens", input);
            JsonAnswers.write(json, response, 200, toClient.apply(embeddings));
        }
    }

    private static ObjectNode validated(JsonNode request) {
        if (!(request instanceof ObjectNode body)) {
            throw GatewayException.badRequest("The request body must be a JSON object.");
        }
        if (!body.path("model").isTextual() || body.path("model").asText().isBlank()) {
            throw GatewayException.badRequest("you must provide a model parameter");
        }
        ClientText.requireOptional(body, "user", ClientText.NAME_MAX);
        JsonNode input = body.get("input");
        boolean valid = input != null && (input.isTextual() && !input.asText().isEmpty()
                || input.isArray() && !input.isEmpty() && allOneKind(input));
        if (!valid) {
            throw GatewayException.badRequest("'input' must be a non-empty string, an array of strings, "
                    + "an array of token ids or an array of token-id arrays.");
        }
        return body;
    }

    private static boolean allOneKind(JsonNode array) {
        boolean strings = true;
        boolean tokens = true;
        boolean tokenArrays = true;
        for (JsonNode item : array) {
            strings &= item.isTextual() && !item.asText().isEmpty();
            tokens &= item.isIntegralNumber();
            tokenArrays &= item.isArray() && !item.isEmpty();
        }
        return strings || tokens || tokenArrays;
    }

    private long countInput(JsonNode input) {
        if (input.isTextual()) {
            return estimator.countText(input.asText());
        }
        long tokens = 0;
        for (JsonNode item : input) {
            tokens += item.isTextual() ? estimator.countText(item.asText()) : item.isArray() ? item.size() : 1;
        }
        return tokens;
    }
}
