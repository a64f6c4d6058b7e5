package io.tollgate.gateway.chat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.edge.JsonBodies;
import io.tollgate.gateway.formats.anthropic.AnthropicMessagesFormat;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;

/**
 * Anthropic's Messages API, JSON and SSE, so that Anthropic's SDKs work against Tollgate unchanged. A POST of JSON to
 * {@value #MESSAGES_PATH} reaches it by its direct route ({@link ChatRoutes}).
 */
@RestController
class AnthropicMessagesController {
    static final String MESSAGES_PATH = "/v1/messages";

    private final ChatService chat;
    private final AnthropicMessagesFormat anthropic;
    private final AnthropicTokenCounter tokens;
    private final JsonBodies bodies;

    AnthropicMessagesController(ChatService chat, AnthropicMessagesFormat anthropic, AnthropicTokenCounter tokens,
                                JsonBodies bodies) {
        this.chat = chat;
        this.anthropic = anthropic;
        this.tokens = tokens;
        this.bodies = bodies;
    }

    @PostMapping(path = MESSAGES_PATH, consumes = MediaType.APPLICATION_JSON_VALUE)
    void messages(HttpServletRequest request, HttpServletResponse response) throws IOException {
        chat.complete(Caller.of(request), anthropic, bodies.read(request), request, response);
    }

    /** Free: counted by an Anthropic provider where the model has one, else estimated; never billed. */
    @PostMapping(path = "/v1/messages/count_tokens", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<byte[]> countTokens(@RequestBody JsonNode body, HttpServletRequest request) {
        AnthropicTokenCounter.Counted counted = tokens.count(body, AnthropicHeaders.from(request));
        return ResponseEntity.status(counted.status()).contentType(MediaType.APPLICATION_JSON).body(counted.body());
    }
}
