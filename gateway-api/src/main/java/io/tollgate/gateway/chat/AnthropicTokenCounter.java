package io.tollgate.gateway.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.credentials.CredentialPool;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.formats.anthropic.AnthropicMessagesFormat;
import io.tollgate.gateway.providers.Provider;
import io.tollgate.gateway.providers.UpstreamHttp;
import io.tollgate.gateway.providers.WireFormat;
import io.tollgate.gateway.providers.anthropic.AnthropicAdapter;
import io.tollgate.gateway.routing.Deployment;
import io.tollgate.gateway.routing.ModelRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Anthropic's token counting ({@code POST /v1/messages/count_tokens}): free, neither reserved nor
 * billed nor evented. A model served by an Anthropic provider is counted by that provider, exactly;
 * any other, or when the provider cannot be reached, by the gateway's own estimate of the request's
 * text and tool definitions.
 */
@Component
class AnthropicTokenCounter {
    private static final Logger log = LoggerFactory.getLogger(AnthropicTokenCounter.class);

    private final ModelRouter router;
    private final CredentialPool credentials;
    private final UpstreamHttp http;
    private final AnthropicMessagesFormat anthropic;
    private final InputTokenEstimator estimator;
    private final ObjectMapper json;

    AnthropicTokenCounter(ModelRouter router, CredentialPool credentials, UpstreamHttp http,
                          AnthropicMessagesFormat anthropic, InputTokenEstimator estimator, ObjectMapper json) {
        this.router = router;
        this.credentials = credentials;
        this.http = http;
        this.anthropic = anthropic;
        this.estimator = estimator;
        this.json = json;
    }

    /** The answer: the provider's status and body, or 200 and {@code {"input_tokens": n}}. */
    record Counted(int status, byte[] body) {
    }

    Counted count(JsonNode body, Map<String, String> anthropicHeaders) {
        if (!body.isObject() || !body.path("model").isTextual()) {
            throw GatewayException.badRequest("model: Field required");
        }
        if (!body.path("messages").isArray()) {
            throw GatewayException.badRequest("messages: Field required");
        }
        List<Deployment> deployments = router.resolve(body.get("model").asText());
        for (Deployment deployment : deployments) {
            if (deployment.provider().wireFormat() == WireFormat.ANTHROPIC) {
                Optional<Counted> counted = countedBy(deployment, (ObjectNode) body, anthropicHeaders);
                if (counted.isPresent()) {
                    return counted.get();
                }
            }
        }
        return new Counted(200, write(json.createObjectNode().put("input_tokens", estimate(body))));
    }

    /**
     * What an Anthropic provider counts, or empty when it could not say (no usable key, unreachable,
     * 5xx, a rejected key): a client's own mistake (another 4xx) is the answer.
     */
    private Optional<Counted> countedBy(Deployment deployment, ObjectNode body, Map<String, String> anthropicHeaders) {
        Provider provider = deployment.provider();
        Optional<Provider.Credential> credential = credentials.next(provider);
        if (credential.isEmpty()) {
            return Optional.empty();
        }
        ObjectNode upstreamBody = body.deepCopy().put("model", deployment.model());
        HttpRequest.Builder request = HttpRequest.newBuilder(countTokensUri(provider.baseUrl()))
                .header("x-api-key", credential.get().secret())
                .header("anthropic-version", AnthropicAdapter.API_VERSION)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(write(upstreamBody)));
        anthropicHeaders.forEach(request::setHeader);
        try {
            HttpResponse<InputStream> response = http.send(request);
            byte[] answer;
            try (InputStream in = response.body()) {
                answer = in.readAllBytes();
            }
            int status = response.statusCode();
            if (status == 200 || (status >= 400 && status < 500 && status != 401 && status != 403 && status != 429)) {
                return Optional.of(new Counted(status, answer));
            }
            log.info("token counting by provider {} answered {}; estimating instead", provider.name(), status);
        } catch (IOException unreachable) {
            log.info("token counting by provider {} failed ({}); estimating instead", provider.name(),
                    unreachable.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayException(HttpStatus.SERVICE_UNAVAILABLE, "api_error", null, "The gateway is shutting down.");
        }
        return Optional.empty();
    }

    /** The request as the gateway estimates it for an Anthropic deployment: text, tools, images, documents. */
    private long estimate(JsonNode body) {
        ObjectNode counted = ((ObjectNode) body).deepCopy();
        if (!counted.has("max_tokens")) {
            // Counting requests carry no output limit; the translation into chat needs one.
            counted.put("max_tokens", 1);
        }
        ObjectNode chat = anthropic.toChatRequest(counted);
        // The pivot carries the tools as function tools: the estimate counts them with the rest.
        return estimator.estimateChat(chat, WireFormat.ANTHROPIC, body.path("model").asText(null));
    }

    private static URI countTokensUri(URI baseUrl) {
        String base = baseUrl.toString();
        return URI.create((base.endsWith("/") ? base : base + "/") + "messages/count_tokens");
    }

    private byte[] write(JsonNode node) {
        try {
            return json.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
