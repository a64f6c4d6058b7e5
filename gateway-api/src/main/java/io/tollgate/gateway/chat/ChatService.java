package io.tollgate.gateway.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.formats.ClientFormat;
import io.tollgate.gateway.formats.ClientStream;
import io.tollgate.gateway.formats.anthropic.AnthropicMessagesFormat;
import io.tollgate.gateway.formats.openai.OpenAiChatFormat;
import io.tollgate.gateway.providers.ChunkTranslator;
import io.tollgate.gateway.providers.ProviderAdapter;
import io.tollgate.gateway.providers.ProviderUsage;
import io.tollgate.gateway.providers.UpstreamIdleTimeout;
import io.tollgate.gateway.providers.WireFormat;
import io.tollgate.gateway.providers.openai.OpenAiAnswers;
import io.tollgate.gateway.providers.openai.OpenAiStreamRelay;
import io.tollgate.gateway.providers.openai.OutputTally;
import io.tollgate.gateway.providers.wire.SseEvent;
import io.tollgate.gateway.providers.wire.StreamEvents;
import io.tollgate.gateway.routing.Deployment;
import io.tollgate.gateway.upstream.UpstreamAnswer;
import io.tollgate.gateway.upstream.ReservedCall;
import io.tollgate.ledger.api.SettlementOutcome;
import io.tollgate.ledger.api.TokenUsage;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Chat in any client format against any provider: translate the client's request into the pivot (OpenAI's
 * chat shape), reserve the worst case, call the deployments in failover order, translate the answer back
 * and settle what was used, telling the client what it cost ({@link CallCost}). OpenAI clients of
 * OpenAI-compatible providers get the provider's answer as it came, streams included, plus the cost.
 */
@Service
public class ChatService {
    public static final String HEADER_MAX_TOKENS = "x-tollgate-max-tokens";
    public static final String HEADER_MAX_TOKENS_CLAMPED = "x-tollgate-max-tokens-clamped";
    /** Why a stream ended early when the provider went quiet (the attempt's error class). */
    private static final String IDLE_TIMEOUT = "upstream_idle_timeout";

    private final ReservedCall.Factory calls;
    private final InputTokenEstimator estimator;
    private final OpenAiChatFormat openAiFormat;
    private final ObjectMapper json;
    private final ChatProperties properties;

    ChatService(ReservedCall.Factory calls, InputTokenEstimator estimator, OpenAiChatFormat openAiFormat,
                ObjectMapper json, ChatProperties properties) {
        this.calls = calls;
        this.estimator = estimator;
        this.openAiFormat = openAiFormat;
        this.json = json;
        this.properties = properties;
    }

    public void complete(Caller caller, ClientFormat client, JsonNode clientBody, HttpServletRequest httpRequest,
                         HttpServletResponse response) throws IOException {
        ChatRequest request = calls.rejectingBadInput(caller, modelNamed(clientBody), response,
                () -> ChatRequest.parse(client.toChatRequest(clientBody)));
        Map<String, String> anthropicHeaders = client instanceof AnthropicMessagesFormat
                ? AnthropicHeaders.from(httpRequest) : Map.of();
        // n choices may each use the whole output limit: the worst case is n times it, and the limit
        // granted to each choice is the n-th part of what the credit affords.
        int choices = request.choices();
        Integer outputLimit = request.maxTokens() == null ? null
                : (int) Math.min(Integer.MAX_VALUE, (long) request.maxTokens() * choices);
        try (ReservedCall call = calls.reserve(caller, request.model(), client.name(), request.stream(),
                candidates -> estimator.estimateChat(request.body(), candidates), outputLimit,
                properties.defaultMaxTokens() * choices, properties.minOutputTokens() * choices, httpRequest,
                response)) {
            complete(client, request, call, choices, anthropicHeaders, response);
        }
    }

    private void complete(ClientFormat client, ChatRequest request, ReservedCall call, int choices,
                          Map<String, String> anthropicHeaders, HttpServletResponse response) throws IOException {
        int grantedPerChoice = call.grantedMaxTokens() / choices;
        response.setHeader(HEADER_MAX_TOKENS, Integer.toString(grantedPerChoice));
        if (call.clamped()) {
            response.setHeader(HEADER_MAX_TOKENS_CLAMPED, "true");
        }
        UpstreamAnswer answer = call.send((deployment, adapter, secret) -> {
            HttpRequest.Builder upstream = adapter.chatRequest(deployment.provider().baseUrl(), secret,
                    request.upstreamBody(deployment.model(), grantedPerChoice));
            if (adapter.wireFormat() == WireFormat.ANTHROPIC) {
                anthropicHeaders.forEach(upstream::setHeader);
            }
            return upstream;
        });
        try (InputStream body = answer.body()) {
            if (answer.status() != 200) {
                respondWithClientError(client, call, answer, body.readAllBytes(), response);
            } else if (request.stream()) {
                stream(client, request, call, answer, body, response);
            } else {
                byte[] bytes;
                try {
                    bytes = body.readAllBytes();
                } catch (UpstreamIdleTimeout silent) {
                    throw call.releaseAfterSilentProvider(silent);
                } catch (IOException brokenOff) {
                    throw call.releaseAfterUnreadableAnswer(brokenOff);
                }
                respond(client, request, call, answer.deployment(), bytes, response);
            }
        }
    }

    /** The model a client body names, in any client format, for the record of a refusal; null if none. */
    private static String modelNamed(JsonNode clientBody) {
        JsonNode frameworkModel = clientBody.path("input").path("modelOptions").path("model");
        for (JsonNode candidate : List.of(clientBody.path("model"), frameworkModel)) {
            if (candidate.isTextual() && !candidate.asText().isBlank()) {
                return candidate.asText();
            }
        }
        return null;
    }

    private void respond(ClientFormat client, ChatRequest request, ReservedCall call, Deployment deployment,
                         byte[] body, HttpServletResponse response) throws IOException {
        ProviderAdapter adapter = calls.adapter(deployment);
        ObjectNode completion;
        try {
            completion = adapter.toChatCompletion(json.readTree(body), deployment.model());
        } catch (IOException | RuntimeException unreadable) {
            throw call.releaseAfterUnreadableAnswer(unreadable);
        }
        TokenUsage usage = OpenAiAnswers.usage(completion).map(ReservedCall::reported)
                .orElseGet(() -> {
                    var output = new OutputTally(estimator::countText);
                    output.addCompletion(completion);
                    return call.estimated(output.tokens());
                });
        CallCost cost = new CallCost(call.settle(usage).debitedMicros());
        JsonNode clientAnswer = isPassThrough(client, deployment) ? completion
                : client.fromChatCompletion(completion, request.model());
        cost.onAnswer(clientAnswer);
        cost.onHeaders(response, call.balanceAfter());
        client.delivering(clientAnswer);
        byte[] answer = json.writeValueAsBytes(clientAnswer);
        response.setStatus(200);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setContentLength(answer.length);
        response.getOutputStream().write(answer);
    }

    private void stream(ClientFormat client, ChatRequest request, ReservedCall call, UpstreamAnswer answer,
                        InputStream body, HttpServletResponse response) throws IOException {
        response.setStatus(200);
        response.setContentType(MediaType.TEXT_EVENT_STREAM_VALUE);
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no");
        if (isPassThrough(client, answer.deployment())) {
            relayOpenAiStream(request, call, body, response);
        } else {
            translateStream(client, request, call, answer.deployment(), body, response);
        }
    }

    /** Same wire format on both sides: the provider's events go out as they came, flushed one by one. */
    private void relayOpenAiStream(ChatRequest request, ReservedCall call, InputStream body,
                                   HttpServletResponse response) throws IOException {
        var relay = new OpenAiStreamRelay(json, request.clientWantsUsage(), estimator::countText);
        // Taken once: after the client hung up the response refuses to hand out its stream again.
        OutputStream clientOut = response.getOutputStream();
        String interruption = null;
        String brokenOff = null;
        try {
            relay.relay(body, clientOut);
        } catch (UpstreamIdleTimeout silent) {
            interruption = IDLE_TIMEOUT;
            brokenOff = silent.getMessage();
        } catch (IOException upstreamBroke) {
            interruption = "stream_broken";
            brokenOff = "The provider's stream broke off.";
        }
        if (relay.clientGone()) {
            interruption = "client_disconnected";
        }
        // What was streamed is settled even when the stream was cut short.
        TokenUsage usage = relay.usage().map(ReservedCall::reported)
                .orElseGet(() -> call.estimated(relay.streamedOutputTokens()));
        SettlementOutcome settled = settleStream(openAiFormat, call, usage, interruption, clientOut);
        if (settled == null) {
            return;
        }
        if (brokenOff != null && !relay.complete() && !relay.clientGone()) {
            // No [DONE]: the client must not take a cut answer for a whole one.
            openAiFormat.streamError(brokenOff + " What was streamed is billed.")
                    .ifPresent(error -> writeQuietly(error, clientOut));
        } else {
            relay.finish(clientOut, new CallCost(settled.debitedMicros())::onAnswer);
        }
    }

    private static void writeQuietly(SseEvent event, OutputStream clientOut) {
        try {
            clientOut.write(event.toWire().getBytes(StandardCharsets.UTF_8));
            clientOut.flush();
        } catch (IOException gone) {
            // the client left; what it was sent is billed either way
        }
    }

    /**
     * Settles a stream whose status went out long ago: when its events cannot be recorded, the client
     * hears it as the stream's error instead of its end, and nothing is charged.
     */
    private static SettlementOutcome settleStream(ClientFormat client, ReservedCall call, TokenUsage usage,
                                                  String interruption, OutputStream clientOut) {
        try {
            return call.settle(usage, interruption);
        } catch (GatewayException notRecorded) {
            client.streamError(notRecorded.getMessage()).ifPresent(error -> {
                try {
                    clientOut.write(error.toWire().getBytes(StandardCharsets.UTF_8));
                    clientOut.flush();
                } catch (IOException gone) {
                    // the client left; it was not charged either way
                }
            });
            return null;
        }
    }

    private void translateStream(ClientFormat client, ChatRequest request, ReservedCall call, Deployment deployment,
                                 InputStream body, HttpServletResponse response) throws IOException {
        ChunkTranslator translator = calls.adapter(deployment).chunkTranslator(deployment.model());
        ClientStream out = client instanceof OpenAiChatFormat openAi
                ? openAi.stream(request.clientWantsUsage())
                : client.stream(request.model());
        var progress = new StreamProgress(new OutputTally(estimator::countText));
        OutputStream clientOut = response.getOutputStream();
        String interruption = null;
        String brokenOff = null;
        try {
            StreamEvents reader = calls.adapter(deployment).streamEvents(body);
            SseEvent event;
            while ((event = reader.next()) != null) {
                if (!progress.forward(translator.translate(event.event(), event.data()), out, clientOut)) {
                    interruption = "client_disconnected";
                    break;
                }
            }
            if (interruption == null && !progress.forward(translator.finish(), out, clientOut)) {
                interruption = "client_disconnected";
            }
        } catch (UpstreamIdleTimeout silent) {
            interruption = IDLE_TIMEOUT;
            brokenOff = silent.getMessage();
        } catch (IOException | UncheckedIOException upstreamBroke) {
            interruption = "stream_broken";
            brokenOff = "The provider's stream broke off.";
        }
        TokenUsage usage = progress.usage.map(ReservedCall::reported)
                .orElseGet(() -> call.estimated(progress.output.tokens()));
        SettlementOutcome settled = settleStream(client, call, usage, interruption, clientOut);
        if (settled == null) {
            return;
        }
        if (brokenOff != null) {
            client.streamError(brokenOff + " What was streamed is billed.")
                    .ifPresent(error -> progress.write(List.of(error), clientOut));
        } else if (interruption == null) {
            List<SseEvent> closing = out.finish(new ProviderUsage(usage.inputTokens(), usage.outputTokens(),
                    usage.cachedInputTokens(), usage.reasoningTokens(), usage.cacheWriteTokens()));
            List<SseEvent> closingWithCost = new CallCost(settled.debitedMicros()).onClosingEvents(closing, json);
            out.delivering(closingWithCost);
            progress.write(closingWithCost, clientOut);
        }
    }

    /** What a translated stream carried so far: the usage the provider reported, or a count of its output. */
    private static final class StreamProgress {
        private Optional<ProviderUsage> usage = Optional.empty();
        private final OutputTally output;

        StreamProgress(OutputTally output) {
            this.output = output;
        }

        /** Returns false when the client went away. */
        boolean forward(List<ObjectNode> chunks, ClientStream out, OutputStream client) {
            for (ObjectNode chunk : chunks) {
                OpenAiAnswers.usage(chunk).ifPresent(reported -> usage = Optional.of(reported));
                if (usage.isEmpty()) {
                    for (JsonNode choice : chunk.path("choices")) {
                        output.addMessage(choice.path("delta"));
                    }
                }
                if (!write(out.onChunk(chunk), client)) {
                    return false;
                }
            }
            return true;
        }

        boolean write(List<SseEvent> events, OutputStream client) {
            if (events.isEmpty()) {
                return true;
            }
            try {
                for (SseEvent event : events) {
                    client.write(event.toWire().getBytes(StandardCharsets.UTF_8));
                }
                client.flush();
                return true;
            } catch (IOException disconnected) {
                return false;
            }
        }
    }

    private boolean isPassThrough(ClientFormat client, Deployment deployment) {
        return client == openAiFormat && deployment.provider().wireFormat() == WireFormat.OPENAI;
    }

    /** The provider refused the request itself (a 4xx of the client's making): say so in the client's shape. */
    private void respondWithClientError(ClientFormat client, ReservedCall call, UpstreamAnswer answer, byte[] body,
                                        HttpServletResponse response) throws IOException {
        if (!isPassThrough(client, answer.deployment())) {
            throw call.releaseAfterClientError(body);
        }
        call.releaseAfterClientError();
        response.setStatus(answer.status());
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.getOutputStream().write(body);
    }
}
