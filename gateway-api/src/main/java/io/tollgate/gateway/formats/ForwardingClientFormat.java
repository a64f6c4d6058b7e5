package io.tollgate.gateway.formats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.errors.ApiShape;
import io.tollgate.gateway.providers.wire.SseEvent;

import java.util.Optional;

/** A client format with per-request options (Accept header, output mode): overrides what the options change. */
public class ForwardingClientFormat implements ClientFormat {
    private final ClientFormat delegate;

    public ForwardingClientFormat(ClientFormat delegate) {
        this.delegate = delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public ApiShape errorShape() {
        return delegate.errorShape();
    }

    @Override
    public ObjectNode toChatRequest(JsonNode clientBody) {
        return delegate.toChatRequest(clientBody);
    }

    @Override
    public JsonNode fromChatCompletion(ObjectNode completion, String model) {
        return delegate.fromChatCompletion(completion, model);
    }

    @Override
    public ClientStream stream(String model) {
        return delegate.stream(model);
    }

    @Override
    public void delivering(JsonNode answer) {
        delegate.delivering(answer);
    }

    @Override
    public Optional<SseEvent> streamError(String message) {
        return delegate.streamError(message);
    }
}
