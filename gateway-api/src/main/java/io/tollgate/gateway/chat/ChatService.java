package io.tollgate.gateway.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.events.EventIds;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.idempotency.IdempotentOutcome;
import io.tollgate.gateway.providers.Provider;
import io.tollgate.gateway.providers.ProviderRegistry;
import io.tollgate.gateway.providers.ProviderUsage;
import io.tollgate.gateway.providers.UpstreamCall;
import io.tollgate.gateway.providers.openai.OpenAiAnswers;
import io.tollgate.gateway.providers.openai.OpenAiChatClient;
import io.tollgate.gateway.providers.openai.OpenAiStreamRelay;
import io.tollgate.gateway.rates.ModelRates;
import io.tollgate.ledger.credits.Commands.ReleaseReservation;
import io.tollgate.ledger.credits.Commands.ReserveCredits;
import io.tollgate.ledger.credits.Commands.SettleRequest;
import io.tollgate.ledger.credits.ModelRate;
import io.tollgate.ledger.credits.ProviderAttempt;
import io.tollgate.ledger.credits.ReservationOutcome;
import io.tollgate.ledger.credits.TokenUsage;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.List;

/**
 * The request path: reserve the worst case, call the provider, settle what was used (or release
 * everything when the provider failed). Nothing goes upstream unreserved.
 */
@Service
class ChatService {
    static final String API_FORMAT = "openai.chat";
    static final String HEADER_REQUEST_ID = "x-request-id";
    static final String HEADER_MAX_TOKENS = "x-tollgate-max-tokens";
    static final String HEADER_MAX_TOKENS_CLAMPED = "x-tollgate-max-tokens-clamped";
    private static final Logger log = LoggerFactory.getLogger(ChatService.class);

    private final CommandGateway commands;
    private final ProviderRegistry providers;
    private final ModelRates rates;
    private final InputTokenEstimator estimator;
    private final OpenAiChatClient openAi;
    private final ObjectMapper json;
    private final ChatProperties properties;

    ChatService(CommandGateway commands, ProviderRegistry providers, ModelRates rates, InputTokenEstimator estimator,
                OpenAiChatClient openAi, ObjectMapper json, ChatProperties properties) {
        this.commands = commands;
        this.providers = providers;
        this.rates = rates;
        this.estimator = estimator;
        this.openAi = openAi;
        this.json = json;
        this.properties = properties;
    }

    void complete(Caller caller, ChatRequest request, HttpServletRequest httpRequest, HttpServletResponse response)
            throws IOException {
        if (caller.accountId() == null) {
            throw new GatewayException(HttpStatus.FORBIDDEN, "invalid_request_error", "no_account",
                    "This key belongs to no account; chat needs an account's key.");
        }
        Provider provider = providers.find(request.provider())
                .orElseThrow(() -> modelNotFound(request, "no provider '" + request.provider() + "' is registered"));
        ModelRate rate = rates.find(provider.name(), request.model())
                .orElseThrow(() -> modelNotFound(request, "it has no rate"));
        if (provider.credentials().isEmpty()) {
            throw new GatewayException(HttpStatus.SERVICE_UNAVAILABLE, "upstream_error", "provider_unavailable",
                    "The provider '" + provider.name() + "' has no credential.");
        }
        Provider.Credential credential = provider.credentials().getFirst();

        String requestId = "req_" + EventIds.next();
        long inputEstimate = estimator.estimateChat(request.body().path("messages"));
        ReservationOutcome outcome = commands.sendAndWait(new ReserveCredits(caller.accountId(), requestId,
                caller.keyId(), provider.name(), request.model(), API_FORMAT, request.stream(), inputEstimate,
                request.maxTokens(), properties.defaultMaxTokens(), properties.minOutputTokens(), rate,
                properties.reservationTimeout()));
        if (outcome instanceof ReservationOutcome.Rejected rejected) {
            throw refused(rejected);
        }
        var reserved = (ReservationOutcome.Reserved) outcome;
        // The ledger now holds this request: whatever the client is answered from here on (the completion,
        // a provider error, a stream cut short) is final, and a retry with its Idempotency-Key gets it again
        // instead of being reserved, sent upstream and charged a second time.
        IdempotentOutcome.markFinal(httpRequest);
        response.setHeader(HEADER_REQUEST_ID, requestId);
        response.setHeader(HEADER_MAX_TOKENS, Integer.toString(reserved.grantedMaxTokens()));
        if (reserved.clamped()) {
            response.setHeader(HEADER_MAX_TOKENS_CLAMPED, "true");
        }
        var call = new Call(caller.accountId(), requestId, provider, credential, request, inputEstimate);
        call.run(request.upstreamBody(reserved.grantedMaxTokens()), response);
    }

    private static GatewayException refused(ReservationOutcome.Rejected rejected) {
        if (ReservationOutcome.ACCOUNT_CLOSED.equals(rejected.reason())) {
            // Not a matter of credit: topping up would not help, so not 402.
            return new GatewayException(HttpStatus.FORBIDDEN, "invalid_request_error", rejected.reason(),
                    rejected.message());
        }
        return new GatewayException(HttpStatus.PAYMENT_REQUIRED, "insufficient_quota", rejected.reason(),
                rejected.message());
    }

    private static GatewayException modelNotFound(ChatRequest request, String why) {
        return GatewayException.notFound("model_not_found", "The model '" + request.provider() + "/"
                + request.model() + "' is not available: " + why + ".");
    }

    /** One reserved request on its way through the provider. */
    private final class Call {
        private final String accountId;
        private final String requestId;
        private final Provider provider;
        private final Provider.Credential credential;
        private final ChatRequest request;
        private final long inputEstimate;
        private final long startNanos = System.nanoTime();
        private Long ttfbMillis;

        Call(String accountId, String requestId, Provider provider, Provider.Credential credential,
             ChatRequest request, long inputEstimate) {
            this.accountId = accountId;
            this.requestId = requestId;
            this.provider = provider;
            this.credential = credential;
            this.request = request;
            this.inputEstimate = inputEstimate;
        }

        void run(ObjectNode upstreamBody, HttpServletResponse response)
                throws IOException {
            HttpResponse<InputStream> upstream;
            try {
                upstream = openAi.send(provider, credential, upstreamBody);
            } catch (HttpTimeoutException e) {
                release(0, "timeout");
                throw new GatewayException(HttpStatus.GATEWAY_TIMEOUT, "upstream_error", "provider_timeout",
                        "The provider did not answer in time.");
            } catch (IOException e) {
                release(0, "io");
                throw new GatewayException(HttpStatus.BAD_GATEWAY, "upstream_error", "provider_unreachable",
                        "The provider could not be reached.");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                release(0, "interrupted");
                throw new GatewayException(HttpStatus.SERVICE_UNAVAILABLE, "server_error", null,
                        "The gateway is shutting down.");
            }
            ttfbMillis = elapsedMillis();
            try (InputStream body = upstream.body()) {
                if (upstream.statusCode() != 200) {
                    failed(upstream.statusCode(), body.readAllBytes(), response);
                } else if (request.stream()) {
                    stream(body, response);
                } else {
                    respond(body.readAllBytes(), response);
                }
            }
        }

        private void respond(byte[] body, HttpServletResponse response) throws IOException {
            JsonNode answer = json.readTree(body);
            TokenUsage usage = OpenAiAnswers.usage(answer).map(ChatService::reported)
                    .orElseGet(() -> estimated(OpenAiAnswers.text(answer)));
            settle(200, usage);
            response.setStatus(200);
            response.setContentType(MediaType.APPLICATION_JSON_VALUE);
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        }

        private void stream(InputStream body, HttpServletResponse response) throws IOException {
            response.setStatus(200);
            response.setContentType(MediaType.TEXT_EVENT_STREAM_VALUE);
            response.setCharacterEncoding("UTF-8");
            response.setHeader("Cache-Control", "no-cache");
            response.setHeader("X-Accel-Buffering", "no");
            var relay = new OpenAiStreamRelay(json, request.clientWantsUsage());
            String interruption = null;
            try {
                relay.relay(body, response.getOutputStream());
            } catch (IOException upstreamBroke) {
                interruption = "stream_broken";
            }
            if (relay.clientGone()) {
                interruption = "client_disconnected";
            }
            // What was streamed is settled even when the stream was cut short.
            TokenUsage usage = relay.usage().map(ChatService::reported).orElseGet(() -> {
                try {
                    return estimated(relay.streamedText());
                } catch (IOException unreadable) {
                    return estimated("");
                }
            });
            settle(200, usage, interruption);
        }

        private void failed(int status, byte[] body, HttpServletResponse response) throws IOException {
            String errorClass = UpstreamCall.classify(status);
            release(status, errorClass);
            switch (errorClass) {
                case "rate_limited" -> throw new GatewayException(HttpStatus.TOO_MANY_REQUESTS, "rate_limit_error",
                        "rate_limit_exceeded", "The provider is rate limiting requests; retry later.");
                case "auth" -> throw new GatewayException(HttpStatus.BAD_GATEWAY, "upstream_error",
                        "provider_auth_failed", "The provider rejected the gateway's credential.");
                case "upstream_5xx" -> throw new GatewayException(HttpStatus.BAD_GATEWAY, "upstream_error",
                        "provider_error", "The provider failed to answer (HTTP " + status + ").");
                default -> {
                    // The client's own mistake, in the provider's OpenAI-shaped words.
                    response.setStatus(status);
                    response.setContentType(MediaType.APPLICATION_JSON_VALUE);
                    response.getOutputStream().write(body);
                }
            }
        }

        private TokenUsage estimated(String outputText) {
            return new TokenUsage(inputEstimate, estimator.countText(outputText), 0, 0, true);
        }

        private void settle(int status, TokenUsage usage) {
            settle(status, usage, null);
        }

        private void settle(int status, TokenUsage usage, String errorClass) {
            commands.sendAndWait(new SettleRequest(accountId, requestId, provider.name(), request.model(), usage,
                    List.of(attempt(status, errorClass))));
        }

        private void release(int status, String errorClass) {
            try {
                commands.sendAndWait(new ReleaseReservation(accountId, requestId, List.of(attempt(status, errorClass))));
            } catch (RuntimeException e) {
                // The orphan sweep releases it later; the client still gets the provider's failure.
                log.error("could not release reservation {} of account {}", requestId, accountId, e);
            }
        }

        private ProviderAttempt attempt(int status, String errorClass) {
            return new ProviderAttempt(provider.name(), request.model(), credential.id(), 1, status, elapsedMillis(),
                    ttfbMillis, errorClass);
        }

        private long elapsedMillis() {
            return (System.nanoTime() - startNanos) / 1_000_000;
        }
    }

    private static TokenUsage reported(ProviderUsage usage) {
        return new TokenUsage(usage.inputTokens(), usage.outputTokens(), usage.cachedInputTokens(),
                usage.reasoningTokens(), false);
    }
}
