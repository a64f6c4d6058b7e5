package io.tollgate.gateway.formats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.errors.ApiShape;
import io.tollgate.gateway.providers.wire.SseEvent;

import java.util.Optional;

/**
 * A client-facing chat API. Requests are translated into the gateway's pivot, an OpenAI chat request,
 * and answers (OpenAI completions or chunks) back into the client's shape.
 */
public interface ClientFormat {

    /** Names the format in events (RequestAccepted.apiFormat), e.g. "anthropic.messages". */
    String name();

    ApiShape errorShape();

    /**
     * Validates the client's body and translates it into an OpenAI chat request. {@code model} keeps the
     * client's model string (e.g. "anthropic/claude-sonnet-4-5" or an alias); output limits go to
     * {@code max_tokens}; {@code stream} is a boolean. Bad input throws a 400 GatewayException.
     */
    ObjectNode toChatRequest(JsonNode clientBody);

    /** The client's answer for an OpenAI completion; {@code model} is what the client asked for. */
    JsonNode fromChatCompletion(ObjectNode completion, String model);

    /** A fresh writer for one stream answered to this client. */
    ClientStream stream(String model);

    /**
     * The answer, cost included, about to go out to the client: a format that keeps its answers (the
     * Responses API's stored responses) keeps it here, before the client can ask for it.
     */
    default void delivering(JsonNode answer) {
    }

    /** The event that tells this client its stream broke after it started, if its API has one. */
    default Optional<SseEvent> streamError(String message) {
        return Optional.empty();
    }
}
